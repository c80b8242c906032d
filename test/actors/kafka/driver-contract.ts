// The behaviour every Kafka driver must have, run against the memory driver
// (memory-driver.test.ts) and against a real broker through kafkajs
// (kafkajs-driver.test.ts). A driver passes only if both files pass.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectionSchema, type KafkaConnectionInput } from '../../../actors/kafka/config.ts';
import type {
  ConsumerEvents,
  DriverClient,
  DriverConsumer,
  GroupMemberOptions,
  IncomingRecord,
  KafkaDriver,
  OutgoingRecord,
  TopicPartition,
} from '../../../actors/kafka/driver.ts';
import { partitionForKey } from '../../../actors/kafka/partitioner.ts';
import { waitFor as waitUntil } from '../../helpers/wait.ts';
import { createLogger } from '../../../runtime/log.ts';
import type { OutriggerError } from '../../../runtime/errors/error.ts';

export interface ContractTarget {
  driver: KafkaDriver;
  /** Connection fields that reach the target (brokers, auth). */
  connection: KafkaConnectionInput;
  /** Upper bound for group joins and deliveries on this target. */
  settleMs: number;
}

/** Records and assignments a member reports. */
export class Collector {
  readonly records: IncomingRecord[] = [];
  assignment: TopicPartition[] = [];
  assignments = 0;
  revocations = 0;
  readonly errors: Error[] = [];

  /** The ConsumerEvents that feed this collector. */
  events(): ConsumerEvents {
    return {
      records: (topic, partition, batch) => {
        for (const r of batch) {
          expect(r.topic).toBe(topic);
          expect(r.partition).toBe(partition);
          this.records.push(r);
        }
      },
      revoking: () => void this.revocations++,
      assigned: (tps) => {
        this.assignment = tps;
        this.assignments++;
      },
      error: (e) => void this.errors.push(e),
    };
  }
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  await waitUntil(what, cond, timeoutMs);
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return (err as OutriggerError).code ?? (err as Error).name;
  }
}

const log = createLogger('silent');

export function driverContract(label: string, target: () => ContractTarget): void {
  describe(`Kafka driver contract: ${label}`, () => {
    const clients: DriverClient[] = [];
    const consumers: DriverConsumer[] = [];

    function open(overrides: Partial<KafkaConnectionInput> = {}): DriverClient {
      const t = target();
      const c = t.driver.open(`contract-${clients.length}`, connectionSchema.parse({ ...t.connection, ...overrides }), log);
      clients.push(c);
      return c;
    }

    function member(client: DriverClient, opts: Partial<GroupMemberOptions> & { groupId: string; topics: string[] }): {
      consumer: DriverConsumer;
      seen: Collector;
    } {
      const seen = new Collector();
      const events = seen.events();
      const consumer = client.consumer(
        {
          fromBeginning: true,
          sessionTimeoutMs: 6000,
          rebalanceTimeoutMs: 10_000,
          heartbeatIntervalMs: 300,
          maxWaitMs: 100,
          maxBytesPerPartition: 1_048_576,
          ...opts,
        },
        events,
      );
      consumers.push(consumer);
      return { consumer, seen };
    }

    const topicName = (what: string): string => `contract-${what}-${randomUUID().slice(0, 8)}`;
    const settle = (): number => target().settleMs;

    afterAll(async () => {
      for (const c of consumers) await c.close().catch(() => {});
      for (const c of clients) await c.close().catch(() => {});
    });

    it('round-trips value, key, string and binary headers and timestamp, with per-partition offsets', async () => {
      const client = open();
      const topic = topicName('roundtrip');
      await client.createTopics([{ topic, partitions: 1 }]);
      const binary = Buffer.from([0, 255, 1, 128, 10]);
      const produced = await client.produce(
        [
          { topic, key: Buffer.from('k1'), value: Buffer.from('hello'), headers: [{ key: 'source', value: Buffer.from('php-app') }], timestamp: 1_700_000_000_123 },
          { topic, key: null, value: binary, headers: [{ key: 'bin', value: binary }, { key: 'bin', value: Buffer.from('dup') }] },
          { topic, key: Buffer.from('k3'), value: null, headers: [] },
        ],
        { timeoutMs: 10_000 },
      );
      expect(produced).toEqual([
        { topic, partition: 0, offset: 0 },
        { topic, partition: 0, offset: 1 },
        { topic, partition: 0, offset: 2 },
      ]);
      const { consumer, seen } = member(client, { groupId: `g-${topic}`, topics: [topic] });
      expect(await consumer.start()).toEqual([{ topic, partition: 0 }]);
      await waitFor('3 records', () => seen.records.length >= 3, settle());
      const [a, b, c] = seen.records;
      expect(a).toMatchObject({ topic, partition: 0, offset: 0, timestamp: 1_700_000_000_123 });
      expect(a!.key!.toString()).toBe('k1');
      expect(a!.value!.toString()).toBe('hello');
      expect(a!.headers.map((h) => [h.key, h.value.toString()])).toEqual([['source', 'php-app']]);
      expect(b!.key).toBeNull();
      expect(Buffer.compare(b!.value!, binary)).toBe(0);
      expect(b!.headers.map((h) => [h.key, h.value.toString('hex')])).toEqual([
        ['bin', binary.toString('hex')],
        ['bin', Buffer.from('dup').toString('hex')],
      ]);
      expect(Math.abs(b!.timestamp - Date.now())).toBeLessThan(60_000);
      expect(c!.value).toBeNull();
      expect(c!.offset).toBe(2);
    });

    it('puts a key on the Java-compatible partition, and honours an explicit partition', async () => {
      const client = open();
      const topic = topicName('keys');
      await client.createTopics([{ topic, partitions: 4 }]);
      expect(await client.partitions(topic)).toBe(4);
      const keys = ['alpha', 'beta', 'gamma', 'delta', 'user-42'];
      const produced = await client.produce(
        keys.map((k) => ({ topic, key: Buffer.from(k), value: Buffer.from(k), headers: [] })),
        { timeoutMs: 10_000 },
      );
      produced.forEach((p, i) => expect(p.partition, keys[i]).toBe(partitionForKey(Buffer.from(keys[i]!), 4)));
      const [explicit] = await client.produce([{ topic, partition: 3, key: Buffer.from('alpha'), value: Buffer.from('x'), headers: [] }], {
        timeoutMs: 10_000,
      });
      expect(explicit!.partition).toBe(3);
    });

    it('refuses a partition the topic lacks with KAFKA_UNKNOWN_PARTITION and writes nothing', async () => {
      const client = open();
      const topic = topicName('badpart');
      await client.createTopics([{ topic, partitions: 2 }]);
      expect(await codeOf(client.produce([{ topic, partition: 7, key: null, value: Buffer.from('x'), headers: [] }], { timeoutMs: 10_000 }))).toBe(
        'KAFKA_UNKNOWN_PARTITION',
      );
      const [ok] = await client.produce([{ topic, partition: 1, key: null, value: Buffer.from('y'), headers: [] }], { timeoutMs: 10_000 });
      expect(ok!.offset).toBe(0);
    });

    it('fails with KAFKA_UNKNOWN_TOPIC when auto-create is off, and creates the topic when it is on', async () => {
      const strict = open({ auto_create_topics_enable: false });
      const missing = topicName('missing');
      expect(await codeOf(strict.produce([{ topic: missing, key: null, value: Buffer.from('x'), headers: [] }], { timeoutMs: 10_000 }))).toBe(
        'KAFKA_UNKNOWN_TOPIC',
      );
      expect(await codeOf(strict.partitions(missing))).toBe('KAFKA_UNKNOWN_TOPIC');
      const { consumer } = member(strict, { groupId: `g-${missing}`, topics: [missing] });
      expect(await codeOf(consumer.start())).toBe('KAFKA_UNKNOWN_TOPIC');

      const lax = open({ auto_create_topics_enable: true });
      const created = topicName('autocreated');
      const [r] = await lax.produce([{ topic: created, key: null, value: Buffer.from('x'), headers: [] }], { timeoutMs: 10_000 });
      expect(r).toMatchObject({ topic: created, offset: 0 });
      expect(await lax.partitions(created)).toBeGreaterThanOrEqual(1);
    });

    it('refuses a record over the size limit with KAFKA_MESSAGE_TOO_LARGE', async () => {
      const client = open({ auto_create_topics_enable: true, max_message_bytes: 100_000 });
      const topic = topicName('large');
      await client.createTopics([{ topic, partitions: 1 }]);
      expect(
        await codeOf(client.produce([{ topic, key: null, value: Buffer.alloc(200_000, 1), headers: [] }], { timeoutMs: 10_000 })),
      ).toBe('KAFKA_MESSAGE_TOO_LARGE');
      const [ok] = await client.produce([{ topic, key: null, value: Buffer.alloc(50_000, 1), headers: [] }], { timeoutMs: 10_000 });
      expect(ok!.offset).toBe(0);
    });

    it('one request with many records over several partitions: per-record offsets in call order, consumed back in that order per partition', async () => {
      const client = open();
      const topic = topicName('many');
      await client.createTopics([{ topic, partitions: 3 }]);
      const records = Array.from({ length: 30 }, (_, i) => ({
        topic,
        key: i % 5 === 4 ? null : Buffer.from(`key-${i % 7}`),
        value: Buffer.from(String(i)),
        headers: [{ key: 'n', value: Buffer.from(String(i)) }],
        ...(i % 10 === 9 ? { partition: 2 } : {}),
      }));
      const produced = await client.produce(records, { timeoutMs: 10_000 });
      expect(produced).toHaveLength(records.length);
      const sent = new Map<number, { value: string; offset: number }[]>();
      produced.forEach((p, i) => {
        const r = records[i]!;
        expect(p.topic).toBe(topic);
        if (r.partition !== undefined) expect(p.partition).toBe(r.partition);
        else if (r.key !== null) expect(p.partition, `record ${i}`).toBe(partitionForKey(r.key, 3));
        sent.set(p.partition, [...(sent.get(p.partition) ?? []), { value: String(i), offset: p.offset }]);
      });
      // Offsets of one request's records are contiguous per partition, in call order.
      for (const list of sent.values()) expect(list.map((x) => x.offset)).toEqual(list.map((_, j) => j));
      const { consumer, seen } = member(client, { groupId: `g-${topic}`, topics: [topic] });
      await consumer.start();
      await waitFor('30 records', () => seen.records.length >= records.length, settle());
      for (const [partition, list] of sent) {
        const got = seen.records.filter((r) => r.partition === partition);
        expect(got.map((r) => ({ value: r.value!.toString(), offset: r.offset }))).toEqual(list);
        for (const r of got) expect(r.headers.map((h) => [h.key, h.value.toString()])).toEqual([['n', r.value!.toString()]]);
      }
    });

    it('one request with one record the driver refuses (bad partition, too large) writes none of its records', async () => {
      const client = open({ max_message_bytes: 100_000 });
      const topic = topicName('many-refused');
      await client.createTopics([{ topic, partitions: 2 }]);
      const ok = (partition: number, v: string): OutgoingRecord => ({ topic, partition, key: null, value: Buffer.from(v), headers: [] });
      expect(await codeOf(client.produce([ok(0, 'a'), ok(1, 'b'), { ...ok(0, 'c'), partition: 5 }, ok(1, 'd')], { timeoutMs: 10_000 }))).toBe(
        'KAFKA_UNKNOWN_PARTITION',
      );
      expect(await codeOf(client.produce([ok(0, 'a'), { ...ok(1, 'x'), value: Buffer.alloc(200_000, 1) }, ok(1, 'd')], { timeoutMs: 10_000 }))).toBe(
        'KAFKA_MESSAGE_TOO_LARGE',
      );
      const after = await client.produce([ok(0, 'first'), ok(1, 'first')], { timeoutMs: 10_000 });
      expect(after.map((r) => [r.partition, r.offset])).toEqual([
        [0, 0],
        [1, 0],
      ]);
    });

    it('splits partitions between two members of one group; together they get every record exactly once', async () => {
      const client = open();
      const topic = topicName('group');
      await client.createTopics([{ topic, partitions: 4 }]);
      const groupId = `g-${topic}`;
      const a = member(client, { groupId, topics: [topic] });
      await a.consumer.start();
      const b = member(open(), { groupId, topics: [topic] });
      await b.consumer.start();
      await waitFor(
        'a 2+2 split',
        () => a.seen.assignment.length === 2 && b.seen.assignment.length === 2,
        settle() * 3,
      );
      const owned = [...a.seen.assignment, ...b.seen.assignment].map((tp) => tp.partition).sort();
      expect(owned).toEqual([0, 1, 2, 3]);
      const n = 200;
      await client.produce(
        Array.from({ length: n }, (_, i) => ({ topic, key: Buffer.from(`k${i}`), value: Buffer.from(String(i)), headers: [] })),
        { timeoutMs: 10_000 },
      );
      await waitFor('all records', () => a.seen.records.length + b.seen.records.length >= n, settle() * 2);
      const values = [...a.seen.records, ...b.seen.records].map((r) => Number(r.value!.toString())).sort((x, y) => x - y);
      expect(values).toEqual(Array.from({ length: n }, (_, i) => i));
      for (const r of a.seen.records) expect(a.seen.assignment.some((tp) => tp.partition === r.partition)).toBe(true);
      for (const r of b.seen.records) expect(b.seen.assignment.some((tp) => tp.partition === r.partition)).toBe(true);
    });

    it('resumes a group from its committed offsets; a member leaving hands its partitions over', async () => {
      const client = open();
      const topic = topicName('commit');
      await client.createTopics([{ topic, partitions: 2 }]);
      const groupId = `g-${topic}`;
      await client.produce(
        Array.from({ length: 10 }, (_, i) => ({ topic, partition: i % 2, key: null, value: Buffer.from(String(i)), headers: [] })),
        { timeoutMs: 10_000 },
      );
      const first = member(client, { groupId, topics: [topic] });
      await first.consumer.start();
      await waitFor('10 records', () => first.seen.records.length >= 10, settle());
      await first.consumer.commit([
        { topic, partition: 0, offset: 3 },
        { topic, partition: 1, offset: 5 },
      ]);
      await first.consumer.close();
      expect(await codeOf(first.consumer.commit([{ topic, partition: 0, offset: 4 }]))).toBe('KAFKA_COMMIT_FAILED');

      const second = member(open(), { groupId, topics: [topic] });
      await second.consumer.start();
      await waitFor('the 2 uncommitted records', () => second.seen.records.length >= 2, settle());
      await new Promise((r) => setTimeout(r, 200));
      expect(second.seen.records.map((r) => [r.partition, r.offset]).sort()).toEqual([[0, 3], [0, 4]]);

      // A brand-new group that starts at the end sees only what comes next.
      const late = member(open(), { groupId: `${groupId}-late`, topics: [topic], fromBeginning: false });
      await late.consumer.start();
      await client.produce([{ topic, partition: 1, key: null, value: Buffer.from('new'), headers: [] }], { timeoutMs: 10_000 });
      await waitFor('the new record', () => late.seen.records.length >= 1, settle());
      expect(late.seen.records.map((r) => r.value!.toString())).toEqual(['new']);
    });

    it('keeps metadata with a commit; reports committed offsets and watermarks', async () => {
      const client = open();
      const topic = topicName('meta');
      await client.createTopics([{ topic, partitions: 2 }]);
      const groupId = `g-${topic}`;
      await client.produce(
        Array.from({ length: 5 }, (_, i) => ({ topic, partition: i % 2, key: null, value: Buffer.from(String(i)), headers: [] })),
        { timeoutMs: 10_000 },
      );
      expect(await client.watermarks(topic)).toEqual([
        { partition: 0, low: 0, high: 3 },
        { partition: 1, low: 0, high: 2 },
      ]);
      expect(await client.committedOffsets(groupId, [topic])).toEqual([]);
      const { consumer, seen } = member(client, { groupId, topics: [topic] });
      await consumer.start();
      await waitFor('5 records', () => seen.records.length >= 5, settle());
      await consumer.commit([
        { topic, partition: 0, offset: 2, metadata: 'state at 2' },
        { topic, partition: 1, offset: 1 },
      ]);
      const committed = await client.committedOffsets(groupId, [topic]);
      expect(committed.sort((a, b) => a.partition - b.partition)).toEqual([
        { topic, partition: 0, offset: 2, metadata: 'state at 2' },
        { topic, partition: 1, offset: 1, metadata: null },
      ]);
      expect(await codeOf(client.watermarks(topicName('missing')))).toBe('KAFKA_UNKNOWN_TOPIC');
    });

    it('pause stops a partition, resume continues where it stopped; seek moves the position', async () => {
      const client = open();
      const topic = topicName('pause');
      await client.createTopics([{ topic, partitions: 1 }]);
      const { consumer, seen } = member(client, { groupId: `g-${topic}`, topics: [topic] });
      await consumer.start();
      const tp = { topic, partition: 0 };
      consumer.pause([tp]);
      await client.produce(
        Array.from({ length: 5 }, (_, i) => ({ topic, key: null, value: Buffer.from(String(i)), headers: [] })),
        { timeoutMs: 10_000 },
      );
      await new Promise((r) => setTimeout(r, Math.min(1500, settle())));
      expect(seen.records).toHaveLength(0);
      consumer.resume([tp]);
      await waitFor('5 records after resume', () => seen.records.length >= 5, settle());
      expect(seen.records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
      consumer.seek({ ...tp, offset: 1 });
      await waitFor('redelivery after seek', () => seen.records.length >= 9, settle());
      expect(seen.records.slice(5).map((r) => r.offset)).toEqual([1, 2, 3, 4]);
    });
  });
}
