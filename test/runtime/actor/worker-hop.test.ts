import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

// The worker hop (runtime/actor/batch-channel.ts) through a real daemon: the
// ring, the bulk port for batches too large for it, the doorbell, and both
// threads polling (workers.spin, both budgets on here).
describe('worker hop', () => {
  let d: TestDaemon;
  const published: string[] = [];
  beforeAll(async () => {
    d = await startTestDaemon({
      workers: { heartbeatMs: 100, hangTimeoutMs: 800, spin: { replyMicros: 200, requestMicros: 200 } },
      actors: { hopper: { module: './test/fixtures/actors/hopper.ts', workers: 2 } },
    });
    d.daemon.hosts.get('hopper')!.on('publish', (topic: string) => published.push(topic));
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

  it('keeps an event published before a reply ahead of it', async () => {
    const c = d.client();
    published.length = 0;
    for (let i = 0; i < 20; i++) {
      const seen = published.length;
      expect(await c.call('hopper.publishThenReply', i)).toBe('replied');
      // The reply reached the client, so the main thread saw the event first.
      expect(published.length).toBe(seen + 1);
    }
  });

  it('answers many concurrent calls across both workers', async () => {
    const c = d.client();
    const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => c.call('hopper.echo', i)));
    expect(results).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});
