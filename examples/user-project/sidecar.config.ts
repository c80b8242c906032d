// sidecar.config.ts
import { defineConfig } from 'outrigger';

export default defineConfig({
  runDir: './run', // pid file, log and the unix sockets below
  listeners: {
    ipc: { unix: { path: 'ipc.sock' } }, // binary IPC
    goridge: { unix: { path: 'goridge.sock' } }, // Goridge RPC (RoadRunner's protocol)
    isp: { enabled: false },
  },
  actors: {
    greeter: { module: './actors/greeter.ts', workers: 2 },
  },
});
