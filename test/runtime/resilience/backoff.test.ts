import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../runtime/resilience/backoff.ts';
import { sleep } from '../../../runtime/resilience/retry.ts';

describe('Backoff', () => {
  it('doubles up to the cap, jitter within [cap/2, cap], reset starts over', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 'none' });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
    const j = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect(j.next()).toBe(50);
    const k = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect(k.next()).toBe(100);
  });

  it('wait resolves false at once when aborted', async () => {
    const ac = new AbortController();
    const b = new Backoff({ initialMs: 60_000, maxMs: 60_000 });
    const p = b.wait(ac.signal);
    ac.abort();
    expect(await p).toBe(false);
    expect(await sleep(1)).toBe(true);
  });
});
