// Binlog order, not binlog time, on real peers: MySQL stamps a row event with
// its statement's start time but writes the binlog in commit order, so `es`
// steps back, repeats and jumps while the Kafka order stays right. Every
// row's last change must win, across a graceful restart (the clock travels in
// the committed offset's metadata) and a full re-read by a new group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../../../actors/es/status.ts';
import type { PipelineConfigInput } from '../../../actors/es/config.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { canal, closeProducer, createTopic, kafka, KAFKA_BROKER, lockPeers, produce, requirePeers, waitFor } from './peers.ts';
import { CLUSTERS } from './search-peers.ts';

const T = 1_700_000_000; // binlog second
const IDS = 20;
const types = { id: 4, v: 4, note: 12 };

/** One message per change, all rows of a step at once (`es` in ms). */
function step(table: string, type: 'INSERT' | 'UPDATE' | 'DELETE', v: number, seconds: number, ids = Array.from({ length: IDS }, (_, i) => i + 1)): string {
  return canal({
    database: 'clock',
    table,
    type,
    es: seconds * 1000,
    sqlType: types,
    rows: ids.map((id) => ({ id: String(id), v: String(v), note: `v${v}` })),
    ...(type === 'UPDATE' ? { old: ids.map(() => ({ v: String(v - 1), note: `v${v - 1}` })) } : {}),
  });
}

const even = Array.from({ length: IDS / 2 }, (_, i) => 2 * (i + 1));

describe.each(CLUSTERS)('document versions follow the binlog order on $name', (cluster) => {
  const sfx = `${cluster.type}${Date.now().toString(36)}`;
  const topic = `canal.clock.${sfx}`;
  const full = `clock_full_${sfx}`;
  const partial = `clock_partial_${sfx}`;
  let unlock = (): void => {};
  const daemons: TestDaemon[] = [];

  const start = async (group: string): Promise<TestDaemon> => {
    const cfg: PipelineConfigInput = {
      kafka: { brokers: [KAFKA_BROKER] },
      topics: [topic],
      group,
      cluster: { type: cluster.type, nodes: [cluster.url] },
      handlers: { 'clock.full': { index: full }, 'clock.partial': { index: partial, partial: true } },
      deadLetterTopic: `${topic}.dlq`,
      limits: { bulkActions: 7, flushIntervalMs: 20, maxWorkerCount: 3 },
      commitIntervalMs: 100,
    };
    const d = await startTestDaemon({ pipelines: { clock: cfg } });
    daemons.push(d);
    return d;
  };
  const status = async (d: TestDaemon): Promise<PipelineStatus> => ((await d.client().call('es.status', {})) as { pipelines: PipelineStatus[] }).pipelines[0]!;
  const settled = (d: TestDaemon, messages: number): Promise<PipelineStatus> =>
    waitFor('pipeline settled', async () => {
      const s = await status(d);
      return s.counters.messages >= messages && s.buffered === 0 && s.inFlight.bulks === 0 ? s : undefined;
    });
  const committed = async (group: string): Promise<{ offset: number; metadata: string | null }> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const p = t!.partitions[0]!;
      return { offset: Number(p.offset), metadata: p.metadata };
    } finally {
      await admin.disconnect();
    }
  };
  const docsOf = async (index: string): Promise<Map<string, unknown>> => new Map([...(await cluster.documents(index))].map(([id, d]) => [id, d.v]));

  beforeAll(async () => {
    unlock = await lockPeers();
    await requirePeers([cluster]);
    await createTopic(topic, 1);
    await createTopic(`${topic}.dlq`, 1);
    await cluster.recreateIndex(full);
    await cluster.recreateIndex(partial);
  }, 1_800_000);
  afterAll(async () => {
    for (const d of daemons) await d.stop().catch(() => {});
    await closeProducer();
    await cluster.dropIndices(sfx);
    unlock();
  });

  it('steps back, repeats and jumps: the last change of every row wins, across a restart and a full re-read', async () => {
    const group = `g-clock-${sfx}`;
    const phase1 = ['full', 'partial'].flatMap((t) => [
      step(t, 'INSERT', 0, T + 5),
      step(t, 'UPDATE', 1, T + 10),
      step(t, 'UPDATE', 2, T + 3), // committed after v1, its statement began 7 s earlier
      step(t, 'UPDATE', 3, T + 3), // same second again
    ]);
    const a = await start(group);
    await produce(topic, phase1);
    let s = await settled(a, phase1.length);
    expect(s.counters.stale).toBe(0);
    expect([...(await docsOf(full)).values()]).toEqual(Array.from({ length: IDS }, () => 3));
    expect([...(await docsOf(partial)).values()]).toEqual(Array.from({ length: IDS }, () => 3));
    await waitFor('offsets committed', async () => (await committed(group)).offset === phase1.length);
    await a.stop();
    // The commit carries the clock (T + 10) at the committed position.
    expect(await committed(group)).toEqual({ offset: phase1.length, metadata: `outrigger-es clock=${T + 10}` });

    // A new daemon in the same group continues from the committed offset and its clock: v4's es is still
    // behind the clock, so only the carried clock keeps it ahead of v1's version.
    const b = await start(group);
    const phase2 = [
      ...['full', 'partial'].flatMap((t) => [step(t, 'UPDATE', 4, T + 4), step(t, 'UPDATE', 5, T + 86_400), step(t, 'UPDATE', 6, T + 7)]),
      step('full', 'DELETE', 6, T + 8, even),
      step('full', 'INSERT', 7, T + 6, even), // recreated after the delete, with an earlier statement time
    ];
    await produce(topic, phase2);
    s = await settled(b, phase2.length);
    expect(s.counters.stale).toBe(0);
    const want = new Map(Array.from({ length: IDS }, (_, i) => [String(i + 1), (i + 1) % 2 === 0 ? 7 : 6]));
    expect(await docsOf(full)).toEqual(want);
    expect([...(await docsOf(partial)).values()]).toEqual(Array.from({ length: IDS }, () => 6));
    await b.stop();

    // A new group re-reads the whole topic from offset 0 with a fresh clock: the same chain, so the same versions.
    // Older changes are refused (stale), the last one per row is rewritten as is, and nothing moves backwards.
    const c = await start(`g-clock-reread-${sfx}`);
    s = await settled(c, phase1.length + phase2.length);
    expect(s.counters.stale).toBeGreaterThan(0);
    expect(s.counters.deadLettered).toBe(0);
    expect(await docsOf(full)).toEqual(want);
    expect([...(await docsOf(partial)).values()]).toEqual(Array.from({ length: IDS }, () => 6));
  }, 240_000);
});
