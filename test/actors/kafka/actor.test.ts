// kafka.* over binary IPC against a daemon running the memory driver (the
// default config's driver): the whole path a PHP app uses, with no broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcClient } from '../../../clients/ts/ipc-client.ts';
import type { WireRecord } from '../../../actors/kafka/handlers.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { codeOf } from './driver-contract.ts';

let d: TestDaemon;
let c: IpcClient;
let n = 0;
const topic = (what: string): string => `actor-${what}-${n++}`;

const init = (t: string, extra: Record<string, unknown> = {}, group = `g-${t}`): Promise<unknown> =>
  c.call('kafka.consume.init', {
    connection: 'dev',
    group_options: { group_id: group },
    consume_options: { topics: [t], offset: 'AtStart', ...extra },
  });
const receive = (t: string, size = 100, max_wait_ms = 200, connection = 'dev'): Promise<WireRecord[]> =>
  c.call('kafka.consume.receive', { connection, topic: t, size, max_wait_ms }) as Promise<WireRecord[]>;
const produceMany = async (t: string, count: number, extra: Record<string, unknown> = {}): Promise<void> => {
  await Promise.all(Array.from({ length: count }, (_, i) => c.call('kafka.produce', { connection: 'dev', topic: t, value: `v${i}`, sync_mode: true, ...extra })));
};

beforeAll(async () => {
  d = await startTestDaemon({
    kafka: {
      driver: 'memory',
      connections: {
        dev: { brokers: ['memory-actor-test:9092'], auto_create_topics_enable: true, topics: { multi: { partitions: 3 }, many: { partitions: 3 } } },
        strict: { brokers: ['memory-actor-test:9092'], max_message_bytes: 2000 },
      },
      // Small per-call caps, so the multi-record tests can reach them cheaply.
      producer: { maxMessagesPerCall: 100, maxBytesPerCall: 64 * 1024 },
    },
  });
  c = d.client();
});

afterAll(async () => {
  await d.stop();
});

describe('kafka actor over IPC (memory driver)', () => {
  it('produces sync (acknowledged, with partition and offset) and async (accepted), and consumes both back with key, headers and timestamp', async () => {
    const t = topic('roundtrip');
    expect(await c.call('kafka.produce', { connection: 'dev', topic: t, value: 'hello', key: 'k', headers: { source: 'php-app' }, timestamp: 1_700_000_000_000, sync_mode: true })).toEqual({
      topic: t,
      partition: 0,
      offset: 0,
    });
    const binary = Buffer.from([0xff, 0x00, 0xfe]).toString('base64');
    expect(await c.call('kafka.produce', { connection: 'dev', topic: t, value: { base64: binary }, headers: [], sync_mode: false })).toEqual({ accepted: true });
    expect(await c.call('kafka.produce', { connection: 'dev', topic: t, value: 'h', headers: [{ key: 'x', value: '1' }, { key: 'x', value: { base64: binary } }] })).toEqual({ accepted: true });
    const ready = (await init(t)) as { assignment: unknown[]; reinitialized: boolean };
    expect(ready).toMatchObject({ assignment: [{ topic: t, partition: 0 }], reinitialized: false });
    const got: WireRecord[] = [];
    while (got.length < 3) got.push(...(await receive(t, 10, 1000))); // the async ones leave after the linger
    expect(got).toHaveLength(3);
    expect(got[0]).toEqual({ topic: t, partition: 0, offset: 0, key: 'k', value: 'hello', headers: { source: 'php-app' }, timestamp: 1_700_000_000_000 });
    expect(got[1]).toMatchObject({ offset: 1, key: null, value: { base64: binary }, headers: {} });
    expect(got[2]!.headers).toEqual({ x: ['1', { base64: binary }] });
    expect(await c.call('kafka.consume.receive', { connection: 'dev', topic: t, size: 1, max_wait_ms: 0, encoding: 'base64' })).toEqual([]);
  });

  it('carries the caller\'s W3C traceparent into the record headers', async () => {
    const t = topic('trace');
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await c.call('kafka.produce', { connection: 'dev', topic: t, value: 'traced', sync_mode: true }, { traceparent: tp });
    await c.call('kafka.produce', { connection: 'dev', topic: t, value: 'own', headers: { traceparent: 'mine' }, sync_mode: true }, { traceparent: tp });
    await init(t);
    const got = await receive(t, 10, 1000);
    expect(got.map((r) => r.headers)).toEqual([{ traceparent: tp }, { traceparent: 'mine' }]);
  });

  it('receive waits up to max_wait_ms when nothing is buffered, and returns as soon as a record arrives', async () => {
    const t = topic('longpoll');
    await init(t);
    const t0 = Date.now();
    expect(await receive(t, 5, 150)).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const pending = receive(t, 5, 5000);
    const t1 = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await c.call('kafka.produce', { connection: 'dev', topic: t, value: 'late' });
    const got = await pending;
    expect(got.map((r) => r.value)).toEqual(['late']);
    expect(Date.now() - t1).toBeLessThan(1000);
  });

  it('ack commits only the contiguous prefix of acknowledged offsets; a restart redelivers exactly the unacked records', async () => {
    const t = topic('contiguous');
    await produceMany(t, 5);
    await init(t);
    const got = await receive(t, 5, 1000);
    expect(got.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    const partial = (await c.call('kafka.consume.ack', { connection: 'dev', topic: t, records: [1, 2, 4].map((offset) => ({ partition: 0, offset })) })) as {
      acked: number;
      committed: { offset: number }[];
    };
    expect(partial.acked).toBe(3);
    expect(partial.committed).toEqual([{ topic: t, partition: 0, offset: 0 }]); // 0 is unacked: nothing past it
    // The consumer process "restarts": init again redelivers 0 and 3 only.
    const again = (await init(t)) as { reinitialized: boolean; redelivered: number };
    expect(again).toMatchObject({ reinitialized: true, redelivered: 2 });
    const redelivered = await receive(t, 10, 500);
    expect(redelivered.map((r) => r.offset)).toEqual([0, 3]);
    const rest = (await c.call('kafka.consume.ack', { connection: 'dev', topic: t })) as { acked: number; committed: { offset: number }[] };
    expect(rest.acked).toBe(2);
    expect(rest.committed).toEqual([{ topic: t, partition: 0, offset: 5 }]);
  });

  it('close commits what was acknowledged and leaves; a new member of the group resumes after the last contiguous ack', async () => {
    const t = topic('close');
    await produceMany(t, 6);
    await init(t);
    const got = await receive(t, 6, 1000);
    await c.call('kafka.consume.ack', { connection: 'dev', topic: t, records: [0, 1, 2, 4].map((offset) => ({ partition: 0, offset })) });
    expect(await c.call('kafka.consume.close', { connection: 'dev', topic: t })).toMatchObject({ closed: 1 });
    expect(got).toHaveLength(6);
    expect(await codeOf(receive(t))).toBe('KAFKA_CONSUMER_NOT_FOUND');
    await init(t);
    expect((await receive(t, 10, 500)).map((r) => r.offset)).toEqual([3, 4, 5]);
  });

  it('bounds the buffer: partitions pause at fetch_size and resume as acks drain it; every record arrives exactly once', async () => {
    const t = 'multi';
    await init(t, { fetch_size: 20 });
    const total = 300;
    await produceMany(t, total, { key: undefined });
    await new Promise((r) => setTimeout(r, 50));
    const stats = (await c.call('kafka.stats', { connection: 'dev' })) as {
      consumers: { topics: string[]; partitions: { buffered: number }[]; pauses: number; paused: string[] }[];
    };
    const multi = stats.consumers.find((s) => s.topics.includes('multi'))!;
    const buffered = multi.partitions.reduce((s, p) => s + p.buffered, 0);
    expect(buffered).toBeLessThan(total); // paused before everything was fetched (one fetch per partition may land after the pause)
    expect(multi.pauses).toBeGreaterThanOrEqual(1);
    expect(multi.paused).toEqual(['multi']);
    const seen = new Set<string>();
    while (seen.size < total) {
      const got = await receive(t, 7, 1000);
      expect(got.length).toBeGreaterThan(0);
      for (const r of got) {
        const id = `${r.partition}/${r.offset}`;
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
      await c.call('kafka.consume.ack', { connection: 'dev', topic: t });
    }
    expect(await receive(t, 10, 100)).toEqual([]);
  });

  it('concurrency caps records received but not yet acked', async () => {
    const t = topic('window');
    await produceMany(t, 10);
    await init(t, { concurrency: 3 });
    expect(await receive(t, 10, 500)).toHaveLength(3);
    expect(await receive(t, 10, 100)).toEqual([]);
    const first = await receive(t, 10, 1);
    expect(first).toEqual([]);
    await c.call('kafka.consume.ack', { connection: 'dev', topic: t, records: [{ partition: 0, offset: 0 }] });
    expect((await receive(t, 10, 500)).map((r) => r.offset)).toEqual([3]);
  });

  it('answers bad input with specific codes and keeps serving', async () => {
    const t = topic('errors');
    expect(await codeOf(c.call('kafka.produce', { connection: 'nope', topic: t, value: 'x' }))).toBe('KAFKA_UNKNOWN_CONNECTION');
    expect(await codeOf(c.call('kafka.produce', { topic: t, value: 'x' }))).toBe('INVALID_PARAMS');
    expect(await codeOf(c.call('kafka.produce', { connection: 'dev', topic: t }))).toBe('INVALID_PARAMS');
    expect(await codeOf(c.call('kafka.produce', { connection: 'dev', topic: t, value: 'x', partiton: 1 }))).toBe('INVALID_PARAMS');
    expect(await codeOf(c.call('kafka.produce', { connection: 'dev', topic: t, value: { base64: '***' } }))).toBe('INVALID_PARAMS');
    expect(await codeOf(c.call('kafka.produce', { connection: 'strict', topic: 'never-created', value: 'x', sync_mode: true }))).toBe('KAFKA_UNKNOWN_TOPIC');
    expect(await codeOf(c.call('kafka.produce', { connection: 'strict', topic: t, value: 'x'.repeat(5000) }))).toBe('KAFKA_MESSAGE_TOO_LARGE');
    // The limit counts UTF-8 bytes, not string length: 1,000 'é' are 2,000 bytes.
    expect(await codeOf(c.call('kafka.produce', { connection: 'strict', topic: t, value: 'é'.repeat(1000) }))).toBe('KAFKA_MESSAGE_TOO_LARGE');
    expect(await codeOf(c.call('kafka.produce', { connection: 'dev', topic: 'multi', partition: 9, value: 'x', sync_mode: true }))).toBe('KAFKA_UNKNOWN_PARTITION');
    expect(await codeOf(receive(t))).toBe('KAFKA_CONSUMER_NOT_FOUND');
    expect(await codeOf(c.call('kafka.consume.init', { connection: 'dev', group_options: {}, consume_options: { topics: [t] } }))).toBe('INVALID_PARAMS');
    const err = await c.call('kafka.consume.init', { connection: 'dev', group_options: { group_id: 'g' }, consume_options: { topics: [t], offset: 'Middle' } }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'INVALID_PARAMS', data: { field: 'consume_options.offset' } });
    await init(t);
    expect(await codeOf(init(t, {}, 'another-group'))).toBe('KAFKA_CONSUMER_CONFLICT');
    await c.call('kafka.produce', { connection: 'dev', topic: t, value: 'ok', sync_mode: true });
    const ack = await c.call('kafka.consume.ack', { connection: 'dev', topic: t, records: [{ partition: 0, offset: 0 }, { partition: 0, offset: 99 }] });
    expect(ack).toMatchObject({ acked: 0, unknown: 1, not_received: 1 });
    expect((await receive(t, 5, 500)).map((r) => r.value)).toEqual(['ok']);
  });

  describe('multi-record produce (messages)', () => {
    const many = (t: string, messages: unknown[], extra: Record<string, unknown> = {}): Promise<unknown> =>
      c.call('kafka.produce', { connection: 'dev', topic: t, messages, ...extra });

    it('async answers the accepted count, sync the partition and offset of every record in call order; all are consumed back in order per partition', async () => {
      const t = 'many';
      await init(t);
      const first = Array.from({ length: 60 }, (_, i) => ({ value: `a${i}`, key: `k${i % 4}`, headers: { i: String(i) } }));
      expect(await many(t, first)).toEqual({ accepted: 60 });
      const second = Array.from({ length: 30 }, (_, i) => ({ value: `s${i}`, ...(i % 3 === 0 ? { partition: 1 } : { key: `k${i % 4}` }), timestamp: 1_700_000_000_000 + i }));
      const sync = (await many(t, second, { sync_mode: true })) as { topic: string; records: { partition: number; offset: number }[] };
      expect(sync.topic).toBe(t);
      expect(sync.records).toHaveLength(30);
      sync.records.forEach((r, i) => {
        if (i % 3 === 0) expect(r.partition).toBe(1);
      });
      const got: WireRecord[] = [];
      for (let tries = 0; got.length < 90 && tries < 50; tries++) got.push(...(await receive(t, 100, 500, 'dev')));
      expect(got).toHaveLength(90);
      await c.call('kafka.consume.ack', { connection: 'dev', topic: t });
      await c.call('kafka.consume.close', { connection: 'dev', topic: t });
      // Within each partition, the async call's records come first and in call order, then the sync call's.
      for (const partition of [0, 1, 2]) {
        const values = got.filter((r) => r.partition === partition).map((r) => r.value as string);
        const want = [...first.map((m) => m.value).filter((v) => values.includes(v)), ...second.map((m) => m.value).filter((v) => values.includes(v))];
        expect(values).toEqual(want);
      }
      const byValue = new Map(got.map((r) => [r.value as string, r]));
      expect(byValue.get('a7')).toMatchObject({ key: 'k3', headers: { i: '7' } });
      second.forEach((m, i) => expect(byValue.get(m.value)).toMatchObject({ partition: sync.records[i]!.partition, offset: sync.records[i]!.offset, timestamp: m.timestamp }));
    });

    it('adds the caller\'s traceparent to every record that has none', async () => {
      const t = topic('many-trace');
      const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await c.call('kafka.produce', { connection: 'dev', topic: t, messages: [{ value: 'a' }, { value: 'b', headers: { traceparent: 'mine' } }], sync_mode: true }, { traceparent: tp });
      await init(t);
      expect((await receive(t, 10, 1000)).map((r) => r.headers)).toEqual([{ traceparent: tp }, { traceparent: 'mine' }]);
    });

    it('refuses a whole call, naming the record, before anything is queued', async () => {
      const t = topic('many-refused');
      const err = (p: Promise<unknown>): Promise<{ code: string; message: string; data: Record<string, unknown> }> =>
        p.then(
          () => {
            throw new Error('expected an error');
          },
          (e: { code: string; message: string; data: Record<string, unknown> }) => e,
        );
      expect(await err(many(t, [{ value: 'ok' }, { value: 'ok' }, { value: 'ok' }, { value: 5 }]))).toMatchObject({
        code: 'INVALID_PARAMS',
        data: { field: 'messages[3].value' },
      });
      const count = await err(many(t, Array.from({ length: 101 }, () => ({ value: 'x' }))));
      expect(count).toMatchObject({ code: 'KAFKA_BATCH_TOO_LARGE', data: { field: 'messages', count: 101, limit: 100 } });
      const bytes = await err(many(t, Array.from({ length: 40 }, () => ({ value: 'x'.repeat(1900) }))));
      expect(bytes).toMatchObject({ code: 'KAFKA_BATCH_TOO_LARGE', data: { field: 'messages', limit: 65_536 } });
      const big = await err(c.call('kafka.produce', { connection: 'strict', topic: t, messages: [{ value: 'ok' }, { value: 'x'.repeat(5000) }] }));
      expect(big).toMatchObject({ code: 'KAFKA_MESSAGE_TOO_LARGE', data: { field: 'messages[1]', index: 1, limit: 2000 } });
      expect(big.message).toContain('messages[1]');
      // None of the refused calls left a record behind.
      expect(await many(t, [{ value: 'only' }], { sync_mode: true })).toEqual({ topic: t, records: [{ partition: 0, offset: 0 }] });
    });

    it('sync: names the records that were not acknowledged — the cause\'s code when none was, KAFKA_BATCH_PARTIAL when some were', async () => {
      const none = (await c.call('kafka.produce', { connection: 'strict', topic: 'never-created', messages: [{ value: 'a' }, { value: 'b' }], sync_mode: true }).catch((e: Error) => e)) as {
        code: string;
        message: string;
        data: unknown;
      };
      expect(none.code).toBe('KAFKA_UNKNOWN_TOPIC');
      expect(none.message).toContain('none of the 2 records was acknowledged — messages[0-1]: KAFKA_UNKNOWN_TOPIC');
      expect(none.data).toMatchObject({ acknowledged: [], failed: [{ code: 'KAFKA_UNKNOWN_TOPIC', indexes: [0, 1] }] });

      const t = 'many';
      const partial = (await many(t, [{ value: 'p0', partition: 0 }, { value: 'bad', partition: 9 }, { value: 'p2', partition: 2 }], { sync_mode: true }).catch((e: Error) => e)) as {
        code: string;
        message: string;
        data: { acknowledged: { index: number; partition: number }[]; failed: { code: string; indexes: number[] }[] };
      };
      expect(partial.code).toBe('KAFKA_BATCH_PARTIAL');
      expect(partial.message).toContain('1 of 3 records were not acknowledged — messages[1]: KAFKA_UNKNOWN_PARTITION');
      expect(partial.data.acknowledged.map((a) => [a.index, a.partition])).toEqual([
        [0, 0],
        [2, 2],
      ]);
      expect(partial.data.failed).toMatchObject([{ code: 'KAFKA_UNKNOWN_PARTITION', indexes: [1] }]);
    });

    it('async: kafka.stats counts every record of the call as accepted', async () => {
      const s = (await c.call('kafka.stats', { connection: 'dev' })) as { producer: { accepted: number } };
      // (A call that does not fit the queue is refused whole: produce-pipeline.test.ts.)
      expect(await many(topic('many-accepted'), Array.from({ length: 100 }, (_, i) => ({ value: String(i) })))).toEqual({ accepted: 100 });
      const after = (await c.call('kafka.stats', { connection: 'dev' })) as { producer: { accepted: number } };
      expect(after.producer.accepted - s.producer.accepted).toBe(100);
    });
  });

  it('registers and replaces connections at run time (kafka.connections.set, used by App.Init)', async () => {
    const cfg = { brokers: ['memory-runtime:9092'], auto_create_topics_enable: true, sasl: { type: 'scram_sha_256', username: 'u', password: 'secret-pw' } };
    expect(await c.call('kafka.connections.set', { name: 'runtime', config: cfg })).toEqual({ name: 'runtime', outcome: 'created' });
    expect(await c.call('kafka.connections.set', { name: 'runtime', config: cfg })).toEqual({ name: 'runtime', outcome: 'unchanged' });
    expect(await c.call('kafka.produce', { connection: 'runtime', topic: 'rt', value: 'a', sync_mode: true })).toMatchObject({ offset: 0 });
    await c.call('kafka.consume.init', { connection: 'runtime', group_options: { group_id: 'rt' }, consume_options: { topics: ['rt'], offset: 'AtStart' } });
    expect((await receive('rt', 5, 500, 'runtime')).map((r) => r.value)).toEqual(['a']);
    const stats = JSON.stringify(await c.call('kafka.stats', { connection: 'runtime' }));
    expect(stats).not.toContain('secret-pw');
    const bad = await c.call('kafka.connections.set', { name: 'runtime', config: { brokers: ['no-port'] } }).catch((e: Error) => e);
    expect(bad).toMatchObject({ code: 'INVALID_PARAMS' });
    expect((bad as Error).message).toContain('params.config.brokers');
    // Replacing the connection closes its consumers (after committing); the old topics stay in the cluster.
    expect(await c.call('kafka.connections.set', { name: 'runtime', config: { ...cfg, client_id: 'v2' } })).toEqual({ name: 'runtime', outcome: 'replaced' });
    expect(await codeOf(receive('rt', 1, 0, 'runtime'))).toBe('KAFKA_CONSUMER_NOT_FOUND');
    expect(await c.call('kafka.produce', { connection: 'runtime', topic: 'rt', value: 'b', sync_mode: true })).toMatchObject({ offset: 1 });
  });
});

describe('kafka actor: unreachable cluster (kafkajs driver, nothing listening)', () => {
  let dead: TestDaemon;
  beforeAll(async () => {
    dead = await startTestDaemon({
      kafka: {
        driver: 'kafkajs',
        connections: {
          // Port 1 on loopback refuses at once; the circuit opens after two failures.
          down: { brokers: ['127.0.0.1:1'], retry: { retries: 1, initial: 50, max: 100 }, circuit: { failure_threshold: 2, reset_timeout: '60s' } },
        },
      },
    });
  });
  afterAll(async () => {
    await dead.stop();
  });

  it('fails calls fast with KAFKA_UNREACHABLE, then CIRCUIT_OPEN without touching the network', async () => {
    const client = dead.client();
    const t0 = Date.now();
    expect(await codeOf(client.call('kafka.produce', { connection: 'down', topic: 't', value: 'x', sync_mode: true }))).toBe('KAFKA_UNREACHABLE');
    expect(await codeOf(client.call('kafka.consume.init', { connection: 'down', group_options: { group_id: 'g' }, consume_options: { topics: ['t'] } }))).toBe(
      'KAFKA_UNREACHABLE',
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    const t1 = Date.now();
    const open = await client.call('kafka.produce', { connection: 'down', topic: 't', value: 'x' }).catch((e: Error) => e);
    expect(open).toMatchObject({ code: 'CIRCUIT_OPEN', data: { backend: "kafka connection 'down'" } });
    expect(Date.now() - t1).toBeLessThan(100);
    const stats = (await client.call('kafka.stats', { connection: 'down' })) as { circuit: { state: string; rejected: number; opens: number } };
    expect(stats.circuit).toMatchObject({ state: 'open', opens: 1 });
    expect(stats.circuit.rejected).toBeGreaterThanOrEqual(1);
  });
});
