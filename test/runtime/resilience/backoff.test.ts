import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../runtime/resilience/backoff.ts';

describe('Backoff', () => {
  it('doubles up to the cap and starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('spreads delays by the jitter fraction and never exceeds the cap', () => {
    const lo = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 });
    const hi = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0.999999 });
    expect(lo.next()).toBe(50);
    expect(hi.next()).toBe(150);
    for (let i = 0; i < 10; i++) expect(hi.next()).toBeLessThanOrEqual(1000);
  });
});
