// Daemon config for bench/ipc: only the IPC listener, sys actor on a worker
// (default) or inline on the main thread (BENCH_MODE=inline) for the ceiling.
// The piscina modes (bench/ipc/piscina/daemon.ts) start it as a worker actor
// and move it onto a piscina pool.
import { defineConfig } from '../../index.ts';
import { spinFromEnv } from '../lib/spin-env.ts';

const mode = process.env.BENCH_MODE ?? 'worker';
const inline = mode === 'inline';

export default defineConfig({
  runDir: `/tmp/outrigger-bench-ipc-${mode}`,
  logLevel: 'warn',
  requests: { maxInflightPerConnection: 4096 },
  listeners: {
    ipc: { unix: { path: 'ipc.sock' } },
    goridge: { enabled: false },
    isp: { enabled: false },
  },
  actors: { sys: { mode: inline ? 'inline' : 'worker' } },
  // BENCH_SPIN=reply,request (microseconds) overrides the hop's polling budgets
  ...spinFromEnv(),
  // two bench daemons run at once: ephemeral metrics ports; BENCH_METRICS=off measures without them
  metrics: { enabled: process.env.BENCH_METRICS !== 'off', http: { port: 0 } },
});
