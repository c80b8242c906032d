// The pipeline in this thread on each Kafka driver of the Kafka actor: the
// memory driver (topics and groups in this thread) and kafkajs against the
// real broker, both writing to the real OpenSearch node. Checks the Kafka
// half of the guarantees: every record lands once in effect, a commit never
// passes a record that is not finished, two members of a group split the
// partitions, and a restart continues from the committed offset and clock.
// The kafkajs driver runs in this thread: its message grouping must be in place before peers.ts loads kafkajs.
import '../../../actors/kafka/kafkajs/linear-grouping.ts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../../../actors/es/pipeline.ts';
import type { PipelineStatus } from '../../../actors/es/status.ts';
import { connectionSchema, type KafkaConnectionInput } from '../../../actors/kafka/config.ts';
import type { DriverClient, IncomingRecord } from '../../../actors/kafka/driver.ts';
import { loadDriver } from '../../../actors/kafka/registry.ts';
import { pipelineSchema, type PipelineConfigInput } from '../../../actors/es/config.ts';
import { createLogger } from '../../../runtime/log.ts';
import { KAFKA_BROKER, lockPeers, lockSearchPeers, requirePeers, waitFor, type Outgoing } from './peers.ts';
import { OPENSEARCH } from './search-peers.ts';
import { expectExactlyOnceInEffect, workload } from './workload.ts';

const log = createLogger((process.env.ES_TEST_LOG ?? 'silent') as 'silent');
const cluster = OPENSEARCH;

const DRIVERS: { name: 'memory' | 'kafkajs'; connection: KafkaConnectionInput; lock: () => Promise<() => void> }[] = [
  { name: 'memory', connection: { driver: 'memory', brokers: ['es-pipeline-test:9092'] }, lock: () => lockSearchPeers() },
  { name: 'kafkajs', connection: { driver: 'kafkajs', brokers: [KAFKA_BROKER] }, lock: () => lockPeers() },
];

describe.each(DRIVERS)('ES pipeline on the $name Kafka driver', ({ name, connection, lock }) => {
  const sfx = `${name}${Date.now().toString(36)}`;
  let client: DriverClient;
  let unlock = (): void => {};
  const running: Pipeline[] = [];

  beforeAll(async () => {
    unlock = await lock();
    await requirePeers([cluster]);
    client = (await loadDriver(name)).open('es-test', connectionSchema.parse(connection), log);
  }, 1_800_000);
  afterAll(async () => {
    for (const p of running) await p.stop().catch(() => {});
    await client?.close();
    await cluster.dropIndices(sfx);
    unlock();
  });

  const newTopic = async (partitions: number): Promise<string> => {
    const topic = `canal.drivers.${sfx}.${randomUUID().slice(0, 6)}`;
    await client.createTopics([{ topic, partitions }]);
    return topic;
  };
  const produce = async (topic: string, messages: Outgoing[]): Promise<void> => {
    const records = messages.map((m) => (typeof m === 'string' || Buffer.isBuffer(m) ? { key: null, value: m } : { key: Buffer.from(m.key), value: m.value }));
    for (let i = 0; i < records.length; i += 200) {
      await client.produce(records.slice(i, i + 200).map((r) => ({ topic, headers: [], ...r })), { timeoutMs: 10_000 });
    }
  };
  const start = async (cfg: PipelineConfigInput, member = 'a'): Promise<Pipeline> => {
    const p = new Pipeline(`drivers-${member}`, pipelineSchema.parse(cfg), process.cwd(), log);
    running.push(p);
    await p.start();
    return p;
  };
  const stop = async (p: Pipeline): Promise<void> => {
    running.splice(running.indexOf(p), 1);
    await p.stop();
  };
  const config = (topic: string, index: string, group: string, extra: Partial<PipelineConfigInput> = {}): PipelineConfigInput => ({
    kafka: connection,
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 100 },
    topics: [topic],
    group,
    cluster: { type: cluster.type, nodes: [cluster.url] },
    handlers: { 'load.items': { index } },
    deadLetterTopic: `${topic}.dlq`,
    limits: { bulkActions: 100, flushIntervalMs: 20, maxWorkerCount: 3 },
    commitIntervalMs: 100,
    ...extra,
  });
  const committed = async (group: string, topic: string): Promise<Map<number, { offset: number; metadata: string | null }>> =>
    new Map((await client.committedOffsets(group, [topic])).map((c) => [c.partition, { offset: c.offset, metadata: c.metadata }]));
  const committedToEnd = async (group: string, topic: string): Promise<Map<number, { offset: number; metadata: string | null }>> => {
    const end = await client.watermarks(topic);
    return waitFor('every partition committed to its end', async () => {
      const c = await committed(group, topic);
      return end.every((w) => c.get(w.partition)?.offset === w.high) ? c : undefined;
    });
  };
  const idle = (p: Pipeline): Promise<PipelineStatus> =>
    waitFor('pipeline idle', async () => {
      const s = p.status();
      return s.buffered === 0 && s.inFlight.bulks === 0 ? s : undefined;
    });

  it('lands every record once in effect, with timestamps that step back, and commits every partition to its end with the clock', async () => {
    const topic = await newTopic(3);
    const index = `drivers_all_${sfx}`;
    const group = `g-all-${sfx}`;
    await cluster.recreateIndex(index);
    await produce(topic, workload());
    const p = await start(config(topic, index, group));
    await expectExactlyOnceInEffect(cluster, index);
    for (const c of (await committedToEnd(group, topic)).values()) expect(c.metadata).toMatch(/^outrigger-es clock=\d+$/);
    const s = await idle(p);
    expect(s.counters).toMatchObject({ stale: 0, deadLettered: 0 });
    await stop(p);
  });

  it('commits only the contiguous finished prefix: a record stuck on its dead letter holds the commit, later ones land; a restart finishes it', async () => {
    const topic = await newTopic(1);
    const index = `drivers_stuck_${sfx}`;
    const group = `g-stuck-${sfx}`;
    await cluster.recreateIndex(index);
    const messages = workload().slice(0, 40);
    // Undecodable and bigger than the pipeline's max_message_bytes: its dead letter can never be written.
    const stuckAt = 10;
    messages.splice(stuckAt, 0, `not json ${'x'.repeat(4000)}`);
    await produce(topic, messages);
    const small = { ...connection, max_message_bytes: 3000 };
    const p = await start(config(topic, index, group, { kafka: small, stopTimeoutMs: 1000, limits: { bulkActions: 100, flushIntervalMs: 20, retryBackoffMs: { initial: 50, max: 200 } } }));
    await waitFor('records after the stuck one indexed', async () => {
      const s = p.status();
      return s.counters.messages === messages.length && s.buffered === 0 && s.inFlight.bulks === 0 ? s : undefined;
    });
    expect(p.status().lastError?.message).toMatch(/dead-letter topic/);
    await new Promise((r) => setTimeout(r, 500)); // several commit intervals
    expect((await committed(group, topic)).get(0)?.offset).toBe(stuckAt);
    const report = await p.stop();
    running.splice(running.indexOf(p), 1);
    expect(report.drained).toBe(false);
    // The commit carries the clock at the stuck record: the latest binlog second before it.
    const seconds = messages.map((m) => (typeof m === 'object' && !Buffer.isBuffer(m) ? Math.floor((JSON.parse(String(m.value)) as { es: number }).es / 1000) : 0));
    const clockBefore = (n: number): string => `outrigger-es clock=${Math.max(...seconds.slice(0, n))}`;
    expect((await committed(group, topic)).get(0)).toEqual({ offset: stuckAt, metadata: clockBefore(stuckAt) });

    // With room for the dead letter, the next run redelivers from the stuck record and finishes everything.
    const again = await start(config(topic, index, group));
    await waitFor('committed to the end', async () => (await committed(group, topic)).get(0)?.offset === messages.length);
    expect((await committed(group, topic)).get(0)!.metadata).toBe(clockBefore(messages.length));
    const s = await idle(again);
    expect(s.counters.deadLettered).toBe(1);
    const docs = await cluster.documents(index);
    expect(docs.size).toBe(90); // ids 1..100 less the deleted tenth ones, each at its last change
    for (const d of docs.values()) expect(d.v).toBe(2);
    await stop(again);
  });

  it('two members of one group split the partitions and together land everything once', async () => {
    const topic = await newTopic(4);
    const index = `drivers_group_${sfx}`;
    const group = `g-group-${sfx}`;
    await cluster.recreateIndex(index);
    const a = await start(config(topic, index, group), 'a');
    const b = await start(config(topic, index, group), 'b');
    await waitFor('both members assigned', async () => {
      const n = (p: Pipeline): number => p.status().assignment[topic]?.length ?? 0;
      return n(a) > 0 && n(b) > 0 && n(a) + n(b) === 4;
    }, 60_000);
    await produce(topic, workload());
    await expectExactlyOnceInEffect(cluster, index);
    expect(a.status().counters.messages).toBeGreaterThan(0);
    expect(b.status().counters.messages).toBeGreaterThan(0);
    await committedToEnd(group, topic);
    await stop(a);
    await stop(b);
  });
});

describe('dead letters on the memory driver', () => {
  it('are readable from the dead-letter topic with reason headers', async () => {
    const unlock = await lockSearchPeers();
    const client = (await loadDriver('memory')).open('dlq-test', connectionSchema.parse({ driver: 'memory', brokers: ['es-dlq-test:9092'] }), log);
    const topic = `canal.dlq.${Date.now().toString(36)}`;
    try {
      await client.createTopics([{ topic, partitions: 1 }]);
      await client.produce([{ topic, key: null, value: 'not a canal message', headers: [] }], { timeoutMs: 1000 });
      const cfg = pipelineSchema.parse({
        kafka: { driver: 'memory', brokers: ['es-dlq-test:9092'] },
        topics: [topic],
        group: 'g',
        cluster: { type: cluster.type, nodes: [cluster.url] },
        handlers: { 'x.y': { index: 'unused' } },
        deadLetterTopic: `${topic}.dlq`,
      });
      const p = new Pipeline('dlq', cfg, process.cwd(), log);
      await p.start();
      await waitFor('dead-lettered', async () => p.status().counters.deadLettered === 1);
      await p.stop();
      const got: IncomingRecord[] = [];
      const reader = client.consumer(
        { groupId: 'reader', topics: [`${topic}.dlq`], fromBeginning: true, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 100, maxBytesPerPartition: 1 << 20 },
        { records: (_t, _p, rs) => void got.push(...rs), revoking: () => {}, assigned: () => {}, error: () => {} },
      );
      await reader.start();
      await waitFor('dead letter read', async () => got.length === 1);
      await reader.close();
      const headers = Object.fromEntries(got[0]!.headers.map((h) => [h.key, h.value.toString()]));
      expect(headers).toMatchObject({ 'x-outrigger-pipeline': 'dlq', 'x-outrigger-reason': 'CANAL_MALFORMED', 'x-source-topic': topic, 'x-source-offset': '0' });
      expect(JSON.parse(got[0]!.value!.toString())).toMatchObject({ pipeline: 'dlq', reason: { code: 'CANAL_MALFORMED' }, value: 'not a canal message' });
    } finally {
      await client.close();
      unlock();
    }
  });
});
