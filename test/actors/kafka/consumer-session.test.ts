// The ack timeout (consumer-session.ts) over IPC with the memory driver: a
// record received and never acknowledged no longer holds its partition's
// commits forever. `redeliver` hands it out again; `fail` closes the consumer
// with KAFKA_ACK_TIMEOUT until init is called again. And the byte bounds:
// large records come a few per receive, never skipped, and a topic's
// partitions pause once its records held reach kafka.consumer.fetchBytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireRecord } from '../../../actors/kafka/handlers.ts';
import type { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { codeOf } from './driver-contract.ts';
import { waitFor } from '../../helpers/wait.ts';

const MAX_BYTES_PER_RECEIVE = 64 * 1024;
let d: TestDaemon;
let c: IpcClient;

beforeAll(async () => {
  d = await startTestDaemon({
    kafka: {
      driver: 'memory',
      consumer: { maxBytesPerReceive: MAX_BYTES_PER_RECEIVE, fetchBytes: 256 * 1024 },
      connections: { dev: { brokers: ['memory-ack-timeout:9092'], auto_create_topics_enable: true } },
    },
  });
  c = d.client();
});
afterAll(() => d.stop());

const produce = (topic: string, n: number): Promise<unknown[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => c.call('kafka.produce', { connection: 'dev', topic, value: `v${i}`, sync_mode: true })));
const init = (topic: string, options: Record<string, unknown>): Promise<unknown> =>
  c.call('kafka.consume.init', { connection: 'dev', group_options: { group_id: `g-${topic}` }, consume_options: { topics: [topic], offset: 'AtStart', ...options } });
const receive = (topic: string, size: number, max_wait_ms = 300): Promise<WireRecord[]> =>
  c.call('kafka.consume.receive', { connection: 'dev', topic, size, max_wait_ms }) as Promise<WireRecord[]>;
const ack = (topic: string, records: WireRecord[]): Promise<{ committed: { offset: number }[] }> =>
  c.call('kafka.consume.ack', { connection: 'dev', topic, records: records.map((r) => ({ partition: r.partition, offset: r.offset })) }) as Promise<{
    committed: { offset: number }[];
  }>;
const consumerStats = async (): Promise<{ ackTimeouts: number; redelivered: number; partitions: { committed: number | null }[] }> =>
  ((await c.call('kafka.stats', { connection: 'dev' })) as { consumers: { ackTimeouts: number; redelivered: number; partitions: { committed: number | null }[] }[] })
    .consumers[0]!;

describe('ack timeout', () => {
  it('redeliver: records not acknowledged in time are handed out again, and the commit moves on once they are acked', async () => {
    const topic = 'ack-timeout-redeliver';
    await produce(topic, 5);
    await init(topic, { ack_timeout: '1s' });
    const first = await receive(topic, 5, 1000);
    expect(first.map((r) => r.value)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    // v0 is processed; v1 and v2 are "stuck" in a worker that never acks; v3 and v4 are acked.
    await ack(topic, [first[0]!, first[3]!, first[4]!]);
    expect((await consumerStats()).partitions[0]!.committed).toBe(1); // held at v1
    // Nothing new to receive until the timeout; then exactly the two stuck records come again.
    expect(await receive(topic, 5, 100)).toEqual([]);
    const again = await receive(topic, 5, 5000);
    expect(again.map((r) => r.value)).toEqual(['v1', 'v2']);
    const acked = await ack(topic, again);
    expect(acked.committed.map((x) => x.offset)).toEqual([5]);
    expect(await consumerStats()).toMatchObject({ ackTimeouts: 2, redelivered: 2 });
    await c.call('kafka.consume.close', { connection: 'dev', topic });
  });

  it('fail: the consumer answers KAFKA_ACK_TIMEOUT, commits what was acknowledged and leaves; init starts over from there', async () => {
    const topic = 'ack-timeout-fail';
    await produce(topic, 4);
    await init(topic, { ack_timeout: 1000, on_ack_timeout: 'fail' });
    const got = await receive(topic, 4, 1000);
    await ack(topic, [got[0]!]);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await codeOf(receive(topic, 1))).toBe('KAFKA_ACK_TIMEOUT');
    expect(await codeOf(c.call('kafka.consume.ack', { connection: 'dev', topic }))).toBe('KAFKA_ACK_TIMEOUT');
    const fresh = (await init(topic, { ack_timeout: 1000, on_ack_timeout: 'fail' })) as { reinitialized: boolean };
    expect(fresh.reinitialized).toBe(false);
    // v0 was committed before the consumer left; the three unacknowledged records come again.
    const redelivered = await receive(topic, 4, 1000);
    expect(redelivered.map((r) => r.value)).toEqual(['v1', 'v2', 'v3']);
    await ack(topic, redelivered);
    await c.call('kafka.consume.close', { connection: 'dev', topic });
  });

  it('0 turns it off: an unacknowledged record stays with its receiver', async () => {
    const topic = 'ack-timeout-off';
    await produce(topic, 2);
    await init(topic, { ack_timeout: 0 });
    expect((await receive(topic, 2, 1000)).map((r) => r.value)).toEqual(['v0', 'v1']);
    await new Promise((r) => setTimeout(r, 400));
    expect(await receive(topic, 2, 100)).toEqual([]);
    expect(await consumerStats()).toMatchObject({ ackTimeouts: 0 });
    await c.call('kafka.consume.close', { connection: 'dev', topic });
  });
});

describe('receive byte budget', () => {
  it('hands out at most kafka.consumer.maxBytesPerReceive of records (a larger record alone), lowered by max_bytes, skipping none', async () => {
    const topic = 'receive-bytes';
    const sizes = [20_000, 20_000, 20_000, 100_000, 20_000, 20_000, 20_000, 20_000, 20_000, 20_000];
    for (const [i, n] of sizes.entries()) {
      await c.call('kafka.produce', { connection: 'dev', topic, value: String(i).repeat(n), sync_mode: true });
    }
    await init(topic, {});
    const batches: number[][] = [];
    for (const max_bytes of [undefined, undefined, 10, 10 * 1024 * 1024, undefined]) {
      const got = (await c.call('kafka.consume.receive', { connection: 'dev', topic, size: 100, max_wait_ms: 1000, ...(max_bytes ? { max_bytes } : {}) })) as WireRecord[];
      batches.push(got.map((r) => r.offset));
      await ack(topic, got);
    }
    // 3 × 20 kB fit in 64 KiB; the 100 kB record is larger than the budget and comes alone; max_bytes 10 still
    // hands out one record; max_bytes 10 MiB is capped by the setting; the last call gets what is left.
    expect(batches).toEqual([[0, 1, 2], [3], [4], [5, 6, 7], [8, 9]]);
    await c.call('kafka.consume.close', { connection: 'dev', topic });
  });

  it('pauses a topic whose buffered and unacknowledged records reach kafka.consumer.fetchBytes, and resumes as acks drain it', async () => {
    const topic = 'fetch-bytes';
    const total = 120;
    for (let i = 0; i < total; i++) await c.call('kafka.produce', { connection: 'dev', topic, value: 'y'.repeat(20_000), sync_mode: true });
    await init(topic, {});
    type Stats = { consumers: { topics: string[]; paused: string[]; partitions: { buffered: number; bytes: number }[] }[] };
    const stats = async (): Promise<Stats['consumers'][number]> =>
      ((await c.call('kafka.stats', { connection: 'dev' })) as Stats).consumers.find((s) => s.topics.includes(topic))!;
    const held = await waitFor('the topic to pause', async () => {
      const s = await stats();
      return s.paused.length > 0 && s;
    }, 10_000, { everyMs: 50 });
    expect(held.paused).toEqual([topic]);
    // 256 KiB is 13 records of 20 kB; the fetch that crossed it (1 MiB per partition and fetch) is what it overshoots.
    expect(held.partitions[0]!.buffered).toBeLessThan(total);
    expect(held.partitions[0]!.bytes).toBeGreaterThanOrEqual(256 * 1024);
    const seen: number[] = [];
    while (seen.length < total) {
      const got = (await c.call('kafka.consume.receive', { connection: 'dev', topic, size: 100, max_wait_ms: 2000 })) as WireRecord[];
      expect(got.length).toBeGreaterThan(0);
      seen.push(...got.map((r) => r.offset));
      await ack(topic, got);
    }
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
    await c.call('kafka.consume.close', { connection: 'dev', topic });
  });
});
