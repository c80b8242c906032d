/*
 * Retry with exponential backoff and full jitter. Never sleeps past the
 * caller's deadline or after its signal aborts: a retry that cannot finish
 * in time is not attempted, and the last real error is what the caller sees.
 */

export interface RetryOptions {
  /** Attempts after the first. Default 3. */
  retries?: number;
  /** First backoff. Default 100 ms. */
  baseMs?: number;
  /** Backoff cap. Default 5000 ms. */
  maxMs?: number;
  factor?: number;
  /** 'full' picks uniformly in [0, backoff] (spreads retry storms); 'none' waits exactly backoff. */
  jitter?: 'full' | 'none';
  /** Which errors are worth another attempt. Default: everything but CIRCUIT_OPEN, INVALID_PARAMS and aborts. */
  isRetryable?: (err: unknown, attempt: number) => boolean;
  /** Absolute epoch-ms deadline (a handler's call.deadline). */
  deadline?: number;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

const NOT_RETRYABLE = new Set(['CIRCUIT_OPEN', 'INVALID_PARAMS', 'ABORT_ERR', 'TIMEOUT', 'RATE_LIMITED']);

export function defaultIsRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && NOT_RETRYABLE.has(code));
}

/** Backoff before attempt `attempt` (1-based retry number), before jitter. */
export function backoffMs(attempt: number, o: Pick<RetryOptions, 'baseMs' | 'maxMs' | 'factor'> = {}): number {
  const base = o.baseMs ?? 100;
  return Math.min(o.maxMs ?? 5000, base * (o.factor ?? 2) ** (attempt - 1));
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, o: RetryOptions = {}): Promise<T> {
  const retries = o.retries ?? 3;
  const isRetryable = o.isRetryable ?? defaultIsRetryable;
  const random = o.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= retries || o.signal?.aborted || !isRetryable(err, attempt)) throw err;
      const cap = backoffMs(attempt + 1, o);
      const delay = o.jitter === 'none' ? cap : Math.floor(random() * cap);
      if (o.deadline !== undefined && Date.now() + delay >= o.deadline) throw err;
      o.onRetry?.(err, attempt + 1, delay);
      if (!(await sleep(delay, o.signal))) throw err;
    }
  }
}

/** Resolves true after ms, or false as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
