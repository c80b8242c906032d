import { describe, expect, it } from 'vitest';
import { ListenerRateLimit, TokenBucket, toRateLimitSpec } from '../../../runtime/resilience/rate-limit.ts';

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const b = new TokenBucket({ perSecond: 10, burst: 3 }, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.waitMs(0)).toBe(100);
    expect(b.take(50)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.take(100)).toBe(false);
    // a long idle period refills to the burst, not beyond
    expect([b.take(10_000), b.take(10_000), b.take(10_000), b.take(10_000)]).toEqual([true, true, true, false]);
  });

  it('defaults the burst to one second of traffic', () => {
    expect(toRateLimitSpec({ perSecond: 250 })).toEqual({ perSecond: 250, burst: 250 });
    expect(toRateLimitSpec({ perSecond: 0.5 })).toEqual({ perSecond: 0.5, burst: 1 });
  });
});

describe('ListenerRateLimit', () => {
  it('answers RATE_LIMITED with a retry hint and counts refusals', () => {
    const l = new ListenerRateLimit('ipc', { perSecond: 1, burst: 1 });
    const bucket = l.forConnection();
    expect(l.admit(bucket)).toBeNull();
    const err = l.admit(bucket);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', data: { retryInMs: expect.any(Number) } });
    expect(err!.message).toContain("listener 'ipc'");
    expect(l.rejected).toBe(1);
    // each connection has its own bucket
    expect(l.admit(l.forConnection())).toBeNull();
  });
});
