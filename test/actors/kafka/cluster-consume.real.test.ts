// Two daemon processes share one consumer group on the three-broker cluster
// (test/peers/kafka-cluster.sh) while the group's coordinator broker is
// kill -9'd and restarted: no record is missed, no commit ever passes a
// record that was not acknowledged (sampled from the broker while it runs),
// and the only records that arrive twice are those in hand at the failure.
// Holds the cluster lock: it kills a broker.
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireRecord } from '../../../actors/kafka/handlers.ts';
import type { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { type DaemonProcess, startDaemonProcess } from '../../helpers/daemon-process.ts';
import { sum } from '../../helpers/prom.ts';
import { sleep } from './cluster-load.ts';
import { CLUSTER_BROKERS, clusterSh, lockCluster, partitionState, requireCluster } from './kafka-cluster.ts';

const run = randomUUID().slice(0, 8);
const topic = `cluster-group-${run}`;
const group = `g-${topic}`;
const PARTITIONS = 6;
const TOTAL = 3000;

let release: (() => void) | undefined;
const daemons: DaemonProcess[] = [];

beforeAll(async () => {
  release = await lockCluster();
  await clusterSh('start');
  await requireCluster();
  for (let i = 0; i < 2; i++) {
    daemons.push(await startDaemonProcess({ kafka: { driver: 'kafkajs', connections: { main: { brokers: CLUSTER_BROKERS, topics: { [topic]: { partitions: PARTITIONS } } } } } }, 90_000));
  }
});

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await clusterSh('start').catch(() => {});
  release?.();
});

/** The broker coordinating a group: the leader of its __consumer_offsets partition (Java String.hashCode, as Kafka computes it). */
async function coordinatorOf(groupId: string): Promise<number> {
  let h = 0;
  for (const ch of groupId) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return (await partitionState('__consumer_offsets', (h & 0x7fffffff) % 3)).leader;
}

interface Receipt {
  daemon: number;
  value: string;
  partition: number;
  offset: number;
  at: number;
}

describe('two daemons in one consumer group on the cluster', () => {
  it('a broker dies under them: no gaps, no commit past an unacknowledged record, duplicates only of records in hand at the failure', async () => {
    const clients: IpcClient[] = daemons.map((d) => d.client());
    // Written first, with the daemon's multi-record sync produce.
    for (let from = 0; from < TOTAL; from += 500) {
      const messages = Array.from({ length: 500 }, (_, i) => ({ key: `k${from + i}`, value: `c-${from + i}` }));
      await clients[0]!.call('kafka.produce', { connection: 'main', topic, messages, sync_mode: true });
    }
    const init = {
      connection: 'main',
      group_options: { group_id: group, session_timeout: 6000, heartbeat_interval: 500 },
      consume_options: { topics: [topic], offset: 'AtStart', fetch_size: 100 },
    };
    await Promise.all(clients.map((c) => c.call('kafka.consume.init', init, { timeoutMs: 60_000 })));

    const t0 = Date.now();
    const receipts: Receipt[] = [];
    const distinct = new Set<string>();
    /** Offsets handed to an ack call, per partition: a commit may never pass an offset missing here. */
    const ackSent = Array.from({ length: PARTITIONS }, () => new Set<number>());
    const ackErrors = new Map<string, number>();
    let stop = false;
    const consume = async (daemon: number): Promise<void> => {
      const c = clients[daemon]!;
      while (!stop) {
        let got: WireRecord[];
        try {
          got = (await c.call('kafka.consume.receive', { connection: 'main', topic, size: 20, max_wait_ms: 300 })) as WireRecord[];
        } catch (err) {
          ackErrors.set(`receive ${(err as { code?: string }).code}`, (ackErrors.get(`receive ${(err as { code?: string }).code}`) ?? 0) + 1);
          await sleep(100);
          continue;
        }
        for (const r of got) {
          receipts.push({ daemon, value: r.value as string, partition: r.partition, offset: r.offset, at: Date.now() - t0 });
          distinct.add(r.value as string);
        }
        if (got.length === 0) continue;
        await sleep(5); // "processing"
        for (const r of got) ackSent[r.partition]!.add(r.offset);
        try {
          await c.call('kafka.consume.ack', { connection: 'main', topic, records: got.map((r) => ({ partition: r.partition, offset: r.offset })) });
        } catch (err) {
          // KAFKA_COMMIT_FAILED while the group rebalances: the acks stay and are committed later.
          const e = err as { code?: string; message: string };
          const code = e.code === undefined || e.code === 'ACTOR_ERROR' ? `${e.code ?? 'uncoded'}: ${e.message}` : e.code;
          ackErrors.set(code, (ackErrors.get(code) ?? 0) + 1);
        }
      }
    };

    // The committed offsets, sampled from the cluster while the test runs.
    const admin = new kafkajs.Kafka({ brokers: CLUSTER_BROKERS, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 1 } }).admin();
    await admin.connect();
    const violations: string[] = [];
    let samples = 0;
    const sampler = (async () => {
      while (!stop) {
        try {
          const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          samples++;
          for (const { partition, offset } of offsets!.partitions) {
            const committed = Number(offset);
            for (let o = 0; o < committed; o++) {
              if (!ackSent[partition]!.has(o)) {
                violations.push(`partition ${partition} committed ${committed} but offset ${o} was never acknowledged`);
                break;
              }
            }
          }
        } catch {
          // The coordinator is moving; sample again.
        }
        await sleep(300);
      }
    })();

    const loops = [consume(0), consume(1)];
    let killedAt = 0;
    let recoveredAt = 0;
    let atKill: Map<number, number> = new Map();
    try {
      while (distinct.size < TOTAL / 3) await sleep(20);
      const victim = await coordinatorOf(group);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      atKill = new Map(committed!.partitions.map((p) => [p.partition, Number(p.offset)]));
      killedAt = Date.now() - t0;
      await clusterSh('kill9', victim);
      await sleep(4000);
      await clusterSh('start', victim);
      recoveredAt = Date.now() - t0;
      for (const until = Date.now() + 120_000; distinct.size < TOTAL && Date.now() < until; ) await sleep(50);
      await sleep(1000); // anything still due to arrive twice
    } finally {
      stop = true;
      await Promise.all([...loops, sampler]);
    }
    const stats = await Promise.all(
      clients.map(async (c) => ((await c.call('kafka.stats', { connection: 'main' })) as { consumers: { received: number; rebalances: number; commits: number; commitFailures: number; partitions: unknown[] }[] }).consumers[0]!),
    );
    await Promise.all(clients.map((c) => c.call('kafka.consume.close', { connection: 'main' })));
    const [final] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();

    // Duplicates: first received before the cluster recovered, at an offset the group had not committed when the
    // broker died; or received again before the failure at all, by the rebalance that gives the second member its
    // partitions right after both join (records the first member held but had not acknowledged yet).
    const firsts = new Map<string, Receipt>();
    const dupes: Receipt[] = [];
    const beforeFailure: Receipt[] = [];
    for (const r of receipts) {
      const first = firsts.get(r.value);
      if (!first) firsts.set(r.value, r);
      else if (r.at < killedAt) beforeFailure.push(first);
      else dupes.push(first);
    }
    const unexplained = dupes.filter((r) => r.at > recoveredAt || r.offset < (atKill.get(r.partition) ?? 0));
    console.log(
      `group on the cluster: ${distinct.size} records, ${receipts.length} receipts, ${dupes.length} duplicates after the failure, ${beforeFailure.length} before it (rebalance); ` +
        `coordinator killed at ${killedAt} ms, back at ${recoveredAt} ms; ack/receive errors ${JSON.stringify([...ackErrors])}; rebalances ${stats.map((s) => s.rebalances)}, commits ${stats.map((s) => `${s.commits}/${s.commitFailures} failed`)}; ` +
        `committed at the end ${JSON.stringify(final!.partitions)}; partitions ${JSON.stringify(stats.map((s) => s.partitions))}`,
    );
    const missing = Array.from({ length: TOTAL }, (_, i) => `c-${i}`).filter((v) => !distinct.has(v));
    expect(missing.slice(0, 10)).toEqual([]);
    expect(violations.slice(0, 5)).toEqual([]);
    expect(samples).toBeGreaterThan(10);
    // Every record acknowledged and committed in the end.
    for (const p of final!.partitions) expect(Number(p.offset), `partition ${p.partition}`).toBe(Number(ends.find((e) => e.partition === p.partition)!.high));

    expect(unexplained.slice(0, 5)).toEqual([]);
    for (const code of ackErrors.keys()) expect(['KAFKA_COMMIT_FAILED', 'KAFKA_UNREACHABLE', 'KAFKA_TIMEOUT']).toContain(code);

    // The daemons' own counters agree with what the callers received.
    for (let i = 0; i < 2; i++) {
      const mine = receipts.filter((r) => r.daemon === i).length;
      expect(stats[i]!.received).toBe(mine);
      await expect
        .poll(async () => sum(await daemons[i]!.scrape(), 'outrigger_kafka_consumed_messages_total', { connection: 'main', group }), { timeout: 10_000 })
        .toBe(mine);
    }
  }, 300_000);
});
