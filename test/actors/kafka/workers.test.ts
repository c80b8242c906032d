// kafka.workers > 1: the host picks the worker from the body's `connection`
// (or `name` for connections.set) without decoding params on the main thread.
// A group member lives in one worker, so init, receive and ack only work
// end to end if every call for a connection reaches the same worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireRecord } from '../../../actors/kafka/handlers.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

const NAMES = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
let d: TestDaemon;

beforeAll(async () => {
  d = await startTestDaemon({
    kafka: {
      driver: 'memory',
      workers: 2,
      connections: Object.fromEntries(NAMES.map((n) => [n, { brokers: [`memory-${n}:9092`], auto_create_topics_enable: true }])),
    },
  });
});
afterAll(() => d.stop());

describe('kafka over two workers', () => {
  it('keeps every call of one connection in one worker: produce, consume and ack round-trip on each', async () => {
    const c = d.client({ pool: 3 });
    await Promise.all(
      NAMES.map(async (connection) => {
        const topic = `t-${connection}`;
        await Promise.all(Array.from({ length: 20 }, (_, i) => c.call('kafka.produce', { connection, topic, value: `${connection}-${i}`, sync_mode: true })));
        await c.call('kafka.consume.init', { connection, group_options: { group_id: `g-${connection}` }, consume_options: { topics: [topic], offset: 'AtStart' } });
        const got = (await c.call('kafka.consume.receive', { connection, topic, size: 100, max_wait_ms: 1000 })) as WireRecord[];
        expect(got.map((r) => r.value).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `${connection}-${i}`).sort());
        await c.call('kafka.consume.ack', { connection, topic });
        await c.call('kafka.consume.close', { connection });
      }),
    );
  });

  it('routes connections.set by its name, and refuses a call without a connection', async () => {
    const c = d.client();
    await c.call('kafka.connections.set', { name: 'late', config: { brokers: ['memory-late:9092'], auto_create_topics_enable: true } });
    expect(await c.call('kafka.produce', { connection: 'late', topic: 'x', value: 'v', sync_mode: true })).toMatchObject({ topic: 'x' });
    await expect(c.call('kafka.produce', { topic: 'x', value: 'v' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
