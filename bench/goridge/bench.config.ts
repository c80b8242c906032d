// Daemon config for bench/goridge: only the Goridge listener on TCP; the
// benchmarked method is sys.echo, which runs on a worker thread (the hop a
// Kafka call takes). Port from BENCH_GORIDGE_PORT (default 16001).
// BENCH_GORIDGE_SYS_MODE=inline runs sys.echo on the main thread instead:
// the bench's diagnostic that shows what the worker hop costs.
// BENCH_SPIN=R,Q sets workers.spin (replyMicros, requestMicros) of the hop.
import { defineConfig } from '../../index.ts';
import { spinFromEnv } from '../lib/spin-env.ts';

const inline = process.env.BENCH_GORIDGE_SYS_MODE === 'inline';

export default defineConfig({
  runDir: `/tmp/outrigger-bench-goridge${inline ? '-inline' : ''}`,
  logLevel: 'warn',
  requests: { maxInflightPerConnection: 4096 },
  listeners: {
    ipc: { enabled: false },
    goridge: { tcp: { host: '127.0.0.1', port: Number(process.env.BENCH_GORIDGE_PORT ?? 16001) } },
    isp: { enabled: false },
  },
  // Metrics stay on (as in production); an ephemeral port lets two daemons run side by side.
  metrics: { http: { port: 0 } },
  app: { enabled: false },
  // Eager: the bench measures the steady state, not sys's first (lazy) start inside the warm-up.
  actors: { sys: { mode: inline ? 'inline' : 'worker', start: 'eager' } },
  ...spinFromEnv(),
});
