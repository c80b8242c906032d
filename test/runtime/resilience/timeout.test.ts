import { describe, expect, it } from 'vitest';
import { withTimeout } from '../../../runtime/resilience/timeout.ts';
import { policy } from '../../../runtime/resilience/policy.ts';
import { CircuitBreaker } from '../../../runtime/resilience/circuit-breaker.ts';

const never = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));

describe('withTimeout', () => {
  it('rejects TIMEOUT at its own limit and aborts the work', async () => {
    let aborted = false;
    await expect(
      withTimeout(
        (signal) => {
          signal.addEventListener('abort', () => (aborted = true));
          return new Promise(() => {});
        },
        { timeoutMs: 20, what: 'es bulk' },
      ),
    ).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('es bulk timed out') });
    expect(aborted).toBe(true);
  });

  it('uses the request deadline when it is earlier', async () => {
    const t0 = Date.now();
    await expect(withTimeout(never, { timeoutMs: 10_000, deadline: Date.now() + 30 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('follows the request signal', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10);
    await expect(withTimeout(never, { signal: ac.signal })).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('cancelled') });
  });

  it('passes results through', async () => {
    await expect(withTimeout(() => Promise.resolve(7), { timeoutMs: 1000 })).resolves.toBe(7);
  });
});

describe('policy', () => {
  it('retries failures through the breaker and stops as soon as it opens', async () => {
    const breaker = new CircuitBreaker('pol', { failureThreshold: 2, resetTimeoutMs: 60_000 });
    const run = policy({ breaker, retry: { retries: 5, baseMs: 1 }, timeoutMs: 1000, what: 'produce' });
    let attempts = 0;
    await expect(
      run(async () => {
        attempts++;
        throw new Error('broker down');
      }),
    ).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    // two real attempts opened the breaker; the third was refused fast and ended the retries
    expect(attempts).toBe(2);
  });
});
