// The floor under bench/kafka/run.ts's sync numbers: one client, one call at a
// time, through a daemon process with no broker (memory driver): sys.echo
// (IPC + worker hop) and a sync kafka.produce. No peer needed.
//   node bin/run-ts.mjs bench/kafka/hop.ts
import { performance } from 'node:perf_hooks';
import { startDaemonProcess } from '../../test/helpers/daemon-process.ts';
import { latency } from '../lib/stats.ts';
const d = await startDaemonProcess({ kafka: { driver: 'memory', connections: { m: { brokers: ['m:1'], auto_create_topics_enable: true } } } });
const c = d.client({ pool: 1 });
for (const [method, params] of [['sys.echo', { a: 1 }], ['kafka.produce', { connection: 'm', topic: 't', value: 'x'.repeat(100), sync_mode: true }]] as const) {
  const s: number[] = [];
  const until = performance.now() + 4000;
  while (performance.now() < until) { const t = performance.now(); await c.call(method, params); s.push(performance.now() - t); }
  const l = latency(s.slice(500));
  console.log(`${method.padEnd(14)} p50 ${l.p50.toFixed(3)} ms  p99 ${l.p99.toFixed(3)} ms  (${l.n} calls, one at a time)`);
}
c.close(); await d.stop();
