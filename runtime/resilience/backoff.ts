/*
 * Stateful exponential backoff for loops that retry until they succeed or are
 * told to stop (a pipeline waiting out a cluster restart), as opposed to a
 * bounded retry of one call. Full jitter spreads retries of parallel workers.
 *
 *   const b = new Backoff({ initialMs: 100, maxMs: 30_000 });
 *   while (!(await tryOnce())) if (!(await b.wait(signal))) break;   // aborted
 *   b.reset();
 */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** 'full' picks uniformly in [cap/2, cap]; 'none' waits exactly cap. */
  jitter?: 'full' | 'none';
  random?: () => number;
}

export class Backoff {
  #attempt = 0;

  constructor(readonly opts: BackoffOptions) {}

  /** Failures since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** Delay before the next attempt; advances the attempt count. */
  next(): number {
    const { initialMs, maxMs, factor = 2, jitter = 'full', random = Math.random } = this.opts;
    const cap = Math.min(maxMs, initialMs * factor ** Math.min(this.#attempt, 64));
    this.#attempt++;
    return jitter === 'none' ? cap : Math.round(cap / 2 + random() * (cap / 2));
  }

  /** Sleeps for next(); resolves false at once if the signal aborts. */
  wait(signal?: AbortSignal): Promise<boolean> {
    return sleep(this.next(), signal);
  }

  reset(): void {
    this.#attempt = 0;
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
