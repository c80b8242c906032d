// Daemon config for bench/goridge: only the Goridge listener on TCP; the
// benchmarked method is sys.echo, which runs on a worker thread (the hop a
// Kafka call takes). Port from BENCH_GORIDGE_PORT (default 16001).
import { defineConfig } from '../../runtime/config/define.ts';

export default defineConfig({
  runDir: '/tmp/outrigger-bench-goridge',
  logLevel: 'warn',
  requests: { maxInflightPerConnection: 4096 },
  listeners: {
    ipc: { enabled: false },
    goridge: { tcp: { host: '127.0.0.1', port: Number(process.env.BENCH_GORIDGE_PORT ?? 16001) } },
    isp: { enabled: false },
  },
  app: { enabled: false },
  actors: { sys: { mode: 'worker' } },
});
