// Daemon config for bench/modbus: only the ISP listener (port from ISP_PORT)
// and the built-in actors; devices arrive as gateway CONFIG messages.
import { defineConfig } from '../../index.ts';

export default defineConfig({
  logLevel: 'warn',
  runDir: '/tmp/outrigger-bench-modbus',
  listeners: {
    ipc: { unix: { path: 'ipc.sock' } },
    goridge: { enabled: false },
    isp: { tcp: { host: '127.0.0.1', port: 50052 } },
  },
  actors: { modbus: { workers: Number(process.env.BENCH_MODBUS_WORKERS ?? 1) } },
});
