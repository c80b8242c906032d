// Where the daemon's CPU goes during async produce: CPU per record for each
// thread of the daemon process (main thread, kafka worker, V8/libuv helpers),
// read from /proc (Linux). Needs the Kafka peer (test/peers/kafka.sh start).
//   node bin/run-ts.mjs bench/kafka/threads.ts [--batch 100] [--messages 100000]
//   (--batch: records per call, default 1; --messages: records measured, after 5,000 uncounted)
import { parseArgs } from 'node:util';
import { threadCpuMs } from '../lib/proc-cpu.ts';
import { lockKafkaPeer, PEER, requireKafkaPeer } from '../../test/actors/kafka/kafka-peer.ts';
import { startDaemonProcess } from '../../test/helpers/daemon-process.ts';
import { daemonAsyncProduce, daemonAsyncProduceMany, TRANSPORTS } from './through-daemon.ts';
const opts = parseArgs({ options: { batch: { type: 'string', default: '1' }, messages: { type: 'string', default: '100000' } } }).values;
const BATCH = Number(opts.batch);
const COUNT = Number(opts.messages);
const release = await lockKafkaPeer();
await requireKafkaPeer();
const d = await startDaemonProcess({ kafka: { driver: 'kafkajs', producer: { lingerMs: 5, maxQueuedMessages: 200000 }, connections: { bench: { brokers: [PEER.plaintext], auto_create_topics_enable: true } } } });
const c = await TRANSPORTS.ipc!(d, 4);
const pid = d.child.pid!;
const snap = (): Map<number, number> => threadCpuMs(pid);
const topic = `threads-${Date.now()}`;
const vals = Array.from({ length: COUNT }, (_, i) => `${i}:`.padEnd(100, 'x'));
const produce = (values: string[]): Promise<number> =>
  BATCH > 1 ? daemonAsyncProduceMany(c, 'bench', topic, values, 4096, BATCH) : daemonAsyncProduce(c, 'bench', topic, values, 4096);
await produce(vals.slice(0, 5000));
const a = snap();
const secs = await produce(vals);
const b = snap();
const rows = [...b].map(([t, v]) => [t, v - (a.get(t) ?? 0)] as const).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]);
console.log(`${BATCH} record(s) per call: ${(COUNT / secs).toFixed(0)} rec/s over ${secs.toFixed(2)} s; CPU µs per record by thread (main = ${pid}):`);
for (const [t, v] of rows) {
  console.log(`  ${t === pid ? 'main  ' : 'thread'} ${t}: ${((v * 1000) / COUNT).toFixed(1)} µs (${((100 * v) / (secs * 1000)).toFixed(0)}% of a core)`);
}
c.close();
await d.stop();
release();
