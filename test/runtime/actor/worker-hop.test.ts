import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorHost } from '../../../runtime/actor/host.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

// The worker hop (runtime/actor/batch-channel.ts) through a real daemon: the
// ring, the bulk port for batches too large for it, the doorbell, and both
// threads polling (workers.spin, both budgets on here).
describe('worker hop', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({
      workers: { heartbeatMs: 100, hangTimeoutMs: 800, spin: { replyMicros: 200, requestMicros: 200 } },
      actors: { hopper: { module: './test/fixtures/actors/hopper.ts', workers: 2 } },
    });
  });
  afterAll(() => d.stop());

  it('starts an actor that publishes from create()', async () => {
    // The daemon started (beforeAll) although hopper's create() publishes before the hop's state is set up.
    expect(await d.client().call('hopper.echo', { a: 1 })).toEqual({ a: 1 });
  });

  it('carries requests and replies larger than the ring, in order with the small ones around them', async () => {
    const c = d.client();
    const big = 'z'.repeat(300 * 1024); // over half a 256 KiB ring: crosses by transfer
    const calls = [
      c.call('hopper.echo', 'before'),
      c.call('hopper.size', big),
      c.call('hopper.blob', 400 * 1024),
      c.call('hopper.echo', 'after'),
    ];
    const [before, size, blob, after] = await Promise.all(calls);
    expect(before).toBe('before');
    expect(size).toBe(big.length);
    expect((blob as string).length).toBe(400 * 1024);
    expect(after).toBe('after');
  });

  it('answers a long run of lone calls while both threads poll, without the worker being taken for hung', async () => {
    const c = d.client();
    const host = d.daemon.hosts.get('hopper')!;
    const restartsBefore = host.restartsTotal;
    const until = Date.now() + 2000; // over twice hangTimeoutMs of back-to-back calls
    let n = 0;
    while (Date.now() < until) {
      expect(await c.call('hopper.echo', n)).toBe(n);
      n++;
    }
    expect(n).toBeGreaterThan(100);
    expect(host.restartsTotal).toBe(restartsBefore);
  });

  it('keeps an event published before a reply ahead of it, on the main thread', async () => {
    const c = d.client();
    const host = d.daemon.hosts.get('hopper') as ActorHost;
    // What the main thread sees, in order: the host's publish events and its settling of replies.
    const order: string[] = [];
    const onPublish = (topic: string): void => void order.push(topic);
    host.on('publish', onPublish);
    const settler = host.settler as unknown as { resolve: (...args: unknown[]) => void };
    const resolve = settler.resolve;
    settler.resolve = (...args: unknown[]) => {
      order.push('reply');
      resolve.apply(host.settler, args);
    };
    try {
      for (let i = 0; i < 50; i++) expect(await c.call('hopper.publishThenReply', i)).toBe('replied');
    } finally {
      settler.resolve = resolve;
      host.off('publish', onPublish);
    }
    expect(order).toEqual(Array.from({ length: 50 }, () => ['hopper.event', 'reply']).flat());
  });

  it('answers many concurrent calls across both workers', async () => {
    const c = d.client();
    const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => c.call('hopper.echo', i)));
    expect(results).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});
