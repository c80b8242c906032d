// What kafkajs' idempotent producer costs, side by side with the plain one
// the Kafka actor uses, in one run against one cluster: sync produce latency
// (1 and N concurrent senders, acks = all) and async throughput (linger
// batches through sendBatch, as raw-kafkajs.ts does). Rounds alternate plain
// and idempotent. docs/kafka.md says why the actor does not use it (it lost
// acknowledged records on the three-broker cluster); this is the cost side.
//
//   test/peers/kafka.sh start            # or test/peers/kafka-cluster.sh start and --cluster
//   node bin/run-ts.mjs bench/kafka/idempotence.ts [--cluster] [--rounds 3] [--clients 16] [--sync-seconds 6] [--messages 50000]
// Before kafkajs: both producers get the worker's linear message grouping, as in raw-kafkajs.ts.
import '../../actors/kafka/kafkajs/linear-grouping.ts';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import kafkajs, { type Producer } from 'kafkajs';
import { lockKafkaPeer, PEER, requireKafkaPeer } from '../../test/actors/kafka/kafka-peer.ts';
import { CLUSTER_BROKERS, lockCluster, requireCluster } from '../../test/actors/kafka/kafka-cluster.ts';
import { fmt, latency, median, numberOption } from '../lib/stats.ts';
import { type Batching, rawAsyncProduce, rawSyncLatency } from './raw-kafkajs.ts';

const { Kafka, logLevel, Partitioners } = kafkajs;

const cluster = process.argv.includes('--cluster');
const ROUNDS = numberOption('rounds', 3);
const CLIENTS = numberOption('clients', 16);
const SYNC_MS = numberOption('sync-seconds', 6) * 1000;
const N = numberOption('messages', 50_000);
const BATCHING: Batching = { lingerMs: 5, batchMaxMessages: 10_000, batchMaxBytes: 512 * 1024, maxInFlight: 5 };

const release = cluster ? await lockCluster() : await lockKafkaPeer();
if (cluster) await requireCluster();
else await requireKafkaPeer();
const brokers = cluster ? CLUSTER_BROKERS : [PEER.plaintext];
const kafka = new Kafka({ clientId: 'bench-idempotence', brokers, logLevel: logLevel.NOTHING });
const topic = `bench-idempotence-${randomUUID().slice(0, 6)}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

async function producer(idempotent: boolean): Promise<Producer> {
  // kafkajs' idempotent producer keeps one request in flight per broker (its broker lock) and retries forever.
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...(idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {}) });
  await p.connect();
  return p;
}

const value = Buffer.from('x'.repeat(100));
const values = Array.from({ length: N }, (_, i) => Buffer.from(`${i}:`.padEnd(100, 'x')));
const kinds = ['plain', 'idempotent'] as const;
const producers = { plain: await producer(false), idempotent: await producer(true) };
const sync: Record<string, Record<(typeof kinds)[number], number[]>> = {};
const rates: Record<(typeof kinds)[number], number[]> = { plain: [], idempotent: [] };

try {
  console.log(`idempotence bench: ${cluster ? 'three-broker cluster, RF 3' : 'single broker'}; ${ROUNDS} rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const k of kinds) await rawSyncLatency(producers[k], topic, 4, 500, value); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const clients of [1, CLIENTS]) {
      for (const k of kinds) {
        const s = await rawSyncLatency(producers[k], topic, clients, SYNC_MS / ROUNDS, value);
        ((sync[clients] ??= { plain: [], idempotent: [] })[k]).push(...s);
      }
    }
    for (const k of kinds) rates[k].push(N / (await rawAsyncProduce(producers[k], topic, values, BATCHING)));
    console.log(`  round ${r + 1}: async plain ${fmt(rates.plain[r]!)} rec/s, idempotent ${fmt(rates.idempotent[r]!)} rec/s`);
  }
  for (const [clients, byKind] of Object.entries(sync)) {
    const [p, i] = [latency(byKind.plain), latency(byKind.idempotent)];
    const secs = SYNC_MS / 1000;
    console.log(
      `sync ×${clients}: plain p50 ${p.p50.toFixed(2)} p99 ${p.p99.toFixed(2)} ms (${fmt(p.n / secs)} calls/s); ` +
        `idempotent p50 ${i.p50.toFixed(2)} p99 ${i.p99.toFixed(2)} ms (${fmt(i.n / secs)} calls/s) → calls/s ratio ${(i.n / p.n).toFixed(2)}`,
    );
  }
  console.log(
    `async ${fmt(N)} × 100 B: plain ${fmt(median(rates.plain))} rec/s, idempotent ${fmt(median(rates.idempotent))} rec/s → ratio ${(median(rates.idempotent) / median(rates.plain)).toFixed(2)}`,
  );
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  for (const k of kinds) await producers[k].disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  release();
}
