// A kafka worker that crashes takes its run-time connections and its
// consumers with it: the connections are registered again on the new worker,
// and a consumer's user is told KAFKA_SESSION_LOST (not "no consumer").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorHost } from '../../../runtime/actor/host.ts';
import type { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

let d: TestDaemon;
let c: IpcClient;

beforeAll(async () => {
  d = await startTestDaemon({ kafka: { driver: 'memory' }, workers: { restartBackoffMs: { initial: 50, max: 200 } } });
  c = d.client();
});
afterAll(async () => {
  await d?.stop();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'none',
  );
}

describe('a replaced kafka worker', () => {
  it('gets the connections registered at run time again, and reports lost consumers as KAFKA_SESSION_LOST until init', async () => {
    const config = { brokers: ['memory-restore:9092'], auto_create_topics_enable: true };
    await c.call('kafka.connections.set', { name: 'rt', config });
    const init = { connection: 'rt', group_options: { group_id: 'g' }, consume_options: { topics: ['t'], offset: 'AtStart' } };
    await c.call('kafka.consume.init', init);
    await c.call('kafka.produce', { connection: 'rt', topic: 't', value: 'before', sync_mode: true });

    const host = d.daemon.hosts.get('kafka') as ActorHost;
    await host.slots[0]!.worker!.terminate(); // a crash: the worker and everything it held are gone
    await expect.poll(() => host.slots[0]!.ready && host.restartsTotal === 1, { timeout: 10_000 }).toBe(true);

    await expect.poll(() => c.call('kafka.connections.has', { connection: 'rt' }), { timeout: 5000 }).toBe(true);
    expect(await codeOf(c.call('kafka.consume.receive', { connection: 'rt', topic: 't', max_wait_ms: 0 }))).toBe('KAFKA_SESSION_LOST');
    expect(await codeOf(c.call('kafka.consume.ack', { connection: 'rt', topic: 't' }))).toBe('KAFKA_SESSION_LOST');
    // A consumer that never existed is still just not found.
    expect(await codeOf(c.call('kafka.consume.receive', { connection: 'rt', topic: 'other', max_wait_ms: 0 }))).toBe('KAFKA_CONSUMER_NOT_FOUND');

    await c.call('kafka.consume.init', init);
    expect(await c.call('kafka.consume.receive', { connection: 'rt', topic: 't', max_wait_ms: 0 })).toEqual([]);
    await c.call('kafka.produce', { connection: 'rt', topic: 't', value: 'after', sync_mode: true });
    const got = (await c.call('kafka.consume.receive', { connection: 'rt', topic: 't', max_wait_ms: 2000, size: 10 })) as { value: string }[];
    expect(got.map((r) => r.value)).toEqual(['after']);
  });
});
