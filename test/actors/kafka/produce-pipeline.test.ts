import { describe, expect, it } from 'vitest';
import type { OutgoingRecord, ProducedRecord } from '../../../actors/kafka/driver.ts';
import { type PipelineOptions, ProducePipeline } from '../../../actors/kafka/produce-pipeline.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

const OPTS: PipelineOptions = {
  lingerMs: 20,
  batchMaxBytes: 1_000_000,
  batchMaxMessages: 1000,
  maxInFlight: 5,
  deliveryTimeoutMs: 5000,
  maxQueuedMessages: 1000,
  retryBackoffMs: 10,
};

const rec = (value: string, topic = 't'): OutgoingRecord => ({ topic, key: null, value: Buffer.from(value), headers: [] });

/** A broker stand-in: records every request, answers per a script, hands out offsets. */
class FakeBroker {
  readonly requests: string[][] = [];
  /** Values of the requests that succeeded, in the order they were written. */
  readonly delivered: string[] = [];
  concurrent = 0;
  maxConcurrent = 0;
  offset = 0;
  delayMs = 5;
  failWith: ((values: string[]) => OutriggerError | null) | null = null;

  readonly send = async (records: OutgoingRecord[]): Promise<ProducedRecord[]> => {
    const values = records.map((r) => r.value!.toString());
    this.requests.push(values);
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    await new Promise((r) => setTimeout(r, this.delayMs));
    this.concurrent--;
    const err = this.failWith?.(values);
    if (err) throw err;
    this.delivered.push(...values);
    return records.map((r) => ({ topic: r.topic, partition: 0, offset: this.offset++ }));
  };
}

function pipeline(broker: FakeBroker, opts: Partial<PipelineOptions> = {}): { p: ProducePipeline; failures: [string, string][] } {
  const failures: [string, string][] = [];
  const p = new ProducePipeline(broker.send, { ...OPTS, ...opts }, (r, e, sync) => {
    if (!sync) failures.push([r.value!.toString(), e.code]);
  });
  return { p, failures };
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('ProducePipeline', () => {
  it('batches async records that arrive within the linger into one request', async () => {
    const broker = new FakeBroker();
    const { p } = pipeline(broker);
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) p.produceAsync(rec(String(i)), 10);
    expect(broker.requests).toHaveLength(0);
    await until(() => p.stats.delivered === 50);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(18);
    expect(broker.requests).toHaveLength(1);
    expect(broker.requests[0]).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(p.snapshot()).toMatchObject({ accepted: 50, delivered: 50, failed: 0, queued: 0, inFlight: 0, requests: 1 });
  });

  it('sends at once when a batch reaches its size caps, and never more requests in flight than allowed', async () => {
    const broker = new FakeBroker();
    broker.delayMs = 20;
    const { p } = pipeline(broker, { batchMaxMessages: 10, maxInFlight: 2, lingerMs: 1000 });
    for (let i = 0; i < 100; i++) p.produceAsync(rec(String(i)), 10);
    await until(() => p.stats.delivered === 100);
    expect(broker.maxConcurrent).toBe(2);
    expect(broker.requests.every((r) => r.length <= 10)).toBe(true);
    expect(broker.requests.flat()).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    const small = new FakeBroker();
    const bytes = pipeline(small, { batchMaxBytes: 25, lingerMs: 1000 });
    for (let i = 0; i < 6; i++) bytes.p.produceAsync(rec(String(i)), 10);
    await until(() => bytes.p.stats.delivered === 6);
    expect(small.requests.every((r) => r.length <= 2)).toBe(true); // two 10-byte records fit in 25 bytes, three do not
    expect(small.requests.flat()).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('answers a sync record with its partition and offset after the broker acknowledged; it also carries queued async records', async () => {
    const broker = new FakeBroker();
    const { p } = pipeline(broker, { lingerMs: 10_000 });
    p.produceAsync(rec('a1'), 10);
    p.produceAsync(rec('a2'), 10);
    const r = await p.produceSync(rec('s'), 10);
    expect(r).toEqual({ topic: 't', partition: 0, offset: 2 });
    expect(broker.requests).toEqual([['a1', 'a2', 's']]);
  });

  it('coalesces sync records arriving in the same turn into one request', async () => {
    const broker = new FakeBroker();
    const { p } = pipeline(broker);
    const results = await Promise.all([p.produceSync(rec('x'), 1), p.produceSync(rec('y'), 1), p.produceSync(rec('z'), 1)]);
    expect(results.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(broker.requests).toEqual([['x', 'y', 'z']]);
  });

  it('retries async records through transient failures; sync callers get the error at once', async () => {
    const broker = new FakeBroker();
    let failuresLeft = 3;
    broker.failWith = () => (failuresLeft-- > 0 ? new OutriggerError('KAFKA_UNREACHABLE', 'down') : null);
    const { p, failures } = pipeline(broker, { lingerMs: 0 });
    p.produceAsync(rec('async'), 10);
    await until(() => p.stats.delivered === 1);
    expect(p.stats.retried).toBe(3);
    expect(failures).toEqual([]);
    failuresLeft = 1;
    await expect(p.produceSync(rec('sync'), 10)).rejects.toMatchObject({ code: 'KAFKA_UNREACHABLE' });
    expect(p.stats.syncErrors).toBe(1);
  });

  it('splits a batch refused for one bad record so only that record fails, with its own code', async () => {
    const broker = new FakeBroker();
    broker.failWith = (values) => (values.includes('bad') ? new OutriggerError('KAFKA_MESSAGE_TOO_LARGE', 'too big') : null);
    const { p, failures } = pipeline(broker);
    for (const v of ['a', 'bad', 'c']) p.produceAsync(rec(v), 10);
    const sync = p.produceSync(rec('d'), 10);
    await expect(sync).resolves.toMatchObject({ topic: 't' });
    await until(() => p.stats.delivered === 3 && p.stats.failed === 1);
    expect(failures).toEqual([['bad', 'KAFKA_MESSAGE_TOO_LARGE']]);
    expect(p.snapshot().failedByCode).toEqual({ KAFKA_MESSAGE_TOO_LARGE: 1 });
    // Split in halves, one at a time: [a bad c d] → [a bad] → [a] [bad], then the good half [c d] whole.
    expect(broker.requests.slice(1)).toEqual([['a', 'bad'], ['a'], ['bad'], ['c', 'd']]);
  });

  it('finds one bad record among 1,000 in a few requests, not one request per record', async () => {
    const broker = new FakeBroker();
    broker.failWith = (values) => (values.includes('bad') ? new OutriggerError('KAFKA_UNKNOWN_PARTITION', 'no partition 9') : null);
    const { p, failures } = pipeline(broker, { batchMaxMessages: 10_000 });
    const values = Array.from({ length: 1000 }, (_, i) => (i === 617 ? 'bad' : `v${i}`));
    p.produceAsyncMany(values.map((v) => rec(v)), new Array<number>(1000).fill(10));
    await until(() => p.stats.delivered === 999 && p.stats.failed === 1);
    expect(failures).toEqual([['bad', 'KAFKA_UNKNOWN_PARTITION']]);
    expect(broker.requests.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(1000)));
    // Every good record delivered once, in call order.
    expect(broker.delivered.filter((v) => v !== 'bad')).toEqual(values.filter((v) => v !== 'bad'));
  });

  it('counts an async record as failed once its delivery timeout passes, with the last error code', async () => {
    const broker = new FakeBroker();
    broker.failWith = () => new OutriggerError('KAFKA_UNREACHABLE', 'down');
    const { p, failures } = pipeline(broker, { deliveryTimeoutMs: 100, lingerMs: 0 });
    p.produceAsync(rec('lost'), 10);
    await until(() => p.stats.failed === 1);
    expect(failures).toEqual([['lost', 'KAFKA_UNREACHABLE']]);
    expect(p.stats.retried).toBeGreaterThan(1);
  });

  it('refuses async records beyond the queue bound with KAFKA_QUEUE_FULL, losing none it accepted', async () => {
    const broker = new FakeBroker();
    const { p } = pipeline(broker, { maxQueuedMessages: 3, lingerMs: 50 });
    for (let i = 0; i < 3; i++) p.produceAsync(rec(String(i)), 10);
    expect(() => p.produceAsync(rec('x'), 10)).toThrow(expect.objectContaining({ code: 'KAFKA_QUEUE_FULL' }));
    await until(() => p.stats.delivered === 3);
    p.produceAsync(rec('after'), 10);
    await until(() => p.stats.delivered === 4);
  });

  it('close flushes what is queued; later calls get SHUTTING_DOWN; leftovers at the deadline are failed, not dropped', async () => {
    const broker = new FakeBroker();
    const { p } = pipeline(broker, { lingerMs: 10_000 });
    for (let i = 0; i < 5; i++) p.produceAsync(rec(String(i)), 10);
    await p.close(Date.now() + 2000);
    expect(p.stats.delivered).toBe(5);
    expect(() => p.produceAsync(rec('late'), 1)).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }));
    await expect(p.produceSync(rec('late'), 1)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });

    const stuck = new FakeBroker();
    stuck.failWith = () => new OutriggerError('KAFKA_UNREACHABLE', 'down');
    const s = pipeline(stuck, { lingerMs: 0 });
    s.p.produceAsync(rec('never'), 1);
    await s.p.close(Date.now() + 100);
    await until(() => s.failures.length === 1);
    expect(s.failures).toEqual([['never', 'KAFKA_UNREACHABLE']]);
  });

  describe('multi-record calls', () => {
    const recs = (values: string[]): OutgoingRecord[] => values.map((v) => rec(v));
    const sizes = (n: number, size = 10): number[] => new Array<number>(n).fill(size);

    it('async: accepts every record of a call, sends them in order in shared requests, counts each', async () => {
      const broker = new FakeBroker();
      const { p } = pipeline(broker, { batchMaxMessages: 40, lingerMs: 1000 });
      const values = Array.from({ length: 100 }, (_, i) => String(i));
      p.produceAsyncMany(recs(values), sizes(100));
      expect(p.stats.accepted).toBe(100);
      await until(() => p.stats.delivered === 100);
      expect(broker.requests.map((r) => r.length)).toEqual([40, 40, 20]);
      expect(broker.requests.flat()).toEqual(values);
    });

    it('async: a call that does not fit the queue is refused whole, and nothing of it is queued', async () => {
      const broker = new FakeBroker();
      const { p } = pipeline(broker, { maxQueuedMessages: 10, lingerMs: 50 });
      p.produceAsyncMany(recs(['a', 'b', 'c', 'd']), sizes(4));
      const err = (() => {
        try {
          p.produceAsyncMany(recs(['1', '2', '3', '4', '5', '6', '7']), sizes(7));
        } catch (e) {
          return e as OutriggerError;
        }
        throw new Error('expected KAFKA_QUEUE_FULL');
      })();
      expect(err).toMatchObject({ code: 'KAFKA_QUEUE_FULL', data: { limit: 10, queued: 4, requested: 7 } });
      expect(p.stats.accepted).toBe(4);
      p.produceAsyncMany(recs(['e', 'f', 'g', 'h', 'i', 'j']), sizes(6)); // exactly fills it
      await until(() => p.stats.delivered === 10);
      expect(broker.requests.flat()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    });

    it('sync: resolves with every record\'s outcome in call order, across several requests', async () => {
      const broker = new FakeBroker();
      const { p } = pipeline(broker, { batchMaxMessages: 3 });
      const outcomes = await p.produceSyncMany(recs(['a', 'b', 'c', 'd', 'e']), sizes(5));
      expect(broker.requests).toEqual([['a', 'b', 'c'], ['d', 'e']]);
      expect(outcomes).toEqual([0, 1, 2, 3, 4].map((offset) => ({ ok: true, record: { topic: 't', partition: 0, offset } })));
    });

    it('sync: a request failing transiently fails only its own records (no retry), the others are acknowledged', async () => {
      const broker = new FakeBroker();
      broker.failWith = (values) => (values.includes('d') ? new OutriggerError('KAFKA_TIMEOUT', 'slow broker') : null);
      const { p } = pipeline(broker, { batchMaxMessages: 3 });
      const outcomes = await p.produceSyncMany(recs(['a', 'b', 'c', 'd', 'e']), sizes(5));
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'ok', 'ok', 'KAFKA_TIMEOUT', 'KAFKA_TIMEOUT']);
      expect(p.stats.syncErrors).toBe(2);
      expect(broker.requests).toHaveLength(2);
    });

    it('sync: a request refused for one bad record is split, so only that record fails', async () => {
      const broker = new FakeBroker();
      broker.failWith = (values) => (values.includes('bad') ? new OutriggerError('KAFKA_UNKNOWN_PARTITION', 'no partition 9') : null);
      const { p } = pipeline(broker);
      const outcomes = await p.produceSyncMany(recs(['a', 'bad', 'c']), sizes(3));
      expect(outcomes.map((o) => (o.ok ? o.record.offset : o.error.code))).toEqual([0, 'KAFKA_UNKNOWN_PARTITION', 1]);
    });

    it('refuses calls once closing', async () => {
      const { p } = pipeline(new FakeBroker());
      await p.close(Date.now() + 100);
      expect(() => p.produceAsyncMany(recs(['x']), sizes(1))).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }));
      await expect(p.produceSyncMany(recs(['x']), sizes(1))).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    });
  });
});
