/*
 * The composed resilience policy for one backend: each attempt runs through
 * the circuit breaker and its own timeout, attempts are retried with
 * backoff, and nothing runs past the request's deadline. An open breaker
 * ends the retries at once (CIRCUIT_OPEN is not retryable).
 *
 *   const send = policy({ breaker, retry: { retries: 2 }, timeoutMs: 5000, what: 'kafka produce' });
 *   await send((signal) => producer.send(batch), { deadline: call.deadline, signal: call.signal });
 */
import type { CircuitBreaker } from './circuit-breaker.ts';
import { retry, type RetryOptions } from './retry.ts';
import { withTimeout } from './timeout.ts';

export interface PolicyOptions {
  breaker?: CircuitBreaker;
  retry?: Omit<RetryOptions, 'deadline' | 'signal'>;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  what?: string;
}

export interface CallBounds {
  deadline?: number;
  signal?: AbortSignal;
}

export type Policy = <T>(fn: (signal: AbortSignal) => Promise<T>, bounds?: CallBounds) => Promise<T>;

export function policy(o: PolicyOptions): Policy {
  return <T>(fn: (signal: AbortSignal) => Promise<T>, bounds: CallBounds = {}): Promise<T> => {
    const attempt = (): Promise<T> => {
      const run = (): Promise<T> =>
        withTimeout(fn, { timeoutMs: o.timeoutMs, deadline: bounds.deadline, signal: bounds.signal, what: o.what });
      return o.breaker ? o.breaker.call(run) : run();
    };
    if (!o.retry) return attempt();
    return retry(attempt, { ...o.retry, deadline: bounds.deadline, signal: bounds.signal });
  };
}
