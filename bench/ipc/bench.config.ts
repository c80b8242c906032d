// Daemon config for bench/ipc: only the IPC listener, sys actor on a worker
// (default) or inline on the main thread (BENCH_MODE=inline) for the ceiling.
import { defineConfig } from '../../index.ts';

const inline = process.env.BENCH_MODE === 'inline';

export default defineConfig({
  runDir: `/tmp/outrigger-bench-ipc-${inline ? 'inline' : 'worker'}`,
  logLevel: 'warn',
  requests: { maxInflightPerConnection: 4096 },
  listeners: {
    ipc: { unix: { path: 'ipc.sock' } },
    goridge: { enabled: false },
    isp: { enabled: false },
  },
  actors: { sys: { mode: inline ? 'inline' : 'worker' } },
  // two bench daemons run at once: ephemeral metrics ports; BENCH_METRICS=off measures without them
  metrics: { enabled: process.env.BENCH_METRICS !== 'off', http: { port: 0 } },
});
