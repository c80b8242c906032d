import { describe, expect, it } from 'vitest';
import { backoffMs, retry } from '../../../runtime/resilience/retry.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

describe('retry', () => {
  it('retries until success with exponential backoff', async () => {
    const delays: number[] = [];
    let n = 0;
    const v = await retry(
      () => {
        if (++n < 3) throw new Error('flaky');
        return 'done';
      },
      { retries: 5, baseMs: 1, jitter: 'none', onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(v).toBe('done');
    expect(delays).toEqual([1, 2]);
  });

  it('gives up after `retries` and throws the last real error', async () => {
    let n = 0;
    await expect(
      retry(
        () => {
          n++;
          throw new OutriggerError('BACKEND_DOWN', `attempt ${n}`);
        },
        { retries: 2, baseMs: 1 },
      ),
    ).rejects.toMatchObject({ code: 'BACKEND_DOWN', message: 'attempt 3' });
  });

  it('does not retry CIRCUIT_OPEN or INVALID_PARAMS', async () => {
    for (const code of ['CIRCUIT_OPEN', 'INVALID_PARAMS']) {
      let n = 0;
      await expect(
        retry(
          () => {
            n++;
            throw new OutriggerError(code, 'no');
          },
          { retries: 3, baseMs: 1 },
        ),
      ).rejects.toMatchObject({ code });
      expect(n).toBe(1);
    }
  });

  it('never sleeps past the deadline', async () => {
    let n = 0;
    const started = Date.now();
    await expect(
      retry(
        () => {
          n++;
          throw new Error('x');
        },
        { retries: 10, baseMs: 1000, jitter: 'none', deadline: Date.now() + 50 },
      ),
    ).rejects.toThrow('x');
    expect(n).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops waiting when the signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    let n = 0;
    await expect(
      retry(
        () => {
          n++;
          throw new Error('x');
        },
        { retries: 10, baseMs: 10_000, jitter: 'none', signal: ac.signal },
      ),
    ).rejects.toThrow('x');
    expect(n).toBe(1);
  });

  it('caps the backoff', () => {
    expect(backoffMs(1, { baseMs: 100 })).toBe(100);
    expect(backoffMs(4, { baseMs: 100 })).toBe(800);
    expect(backoffMs(20, { baseMs: 100, maxMs: 5000 })).toBe(5000);
  });
});
