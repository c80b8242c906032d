/*
 * Stateful exponential backoff for loops that retry until they succeed or are
 * told to stop (a pipeline waiting out a cluster restart), as opposed to
 * retry.ts's bounded retry of one call; same curve (backoffMs) and sleep.
 * Jitter in [cap/2, cap] spreads retries of parallel workers.
 *
 *   const b = new Backoff({ initialMs: 100, maxMs: 30_000 });
 *   while (!(await tryOnce())) if (!(await b.wait(signal))) break;   // aborted
 *   b.reset();
 */

import { backoffMs, sleep } from './retry.ts';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** 'half' picks uniformly in [cap/2, cap] (never hammers at once); 'none' waits exactly cap. */
  jitter?: 'half' | 'none';
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
    const { initialMs, maxMs, factor = 2, jitter = 'half', random = Math.random } = this.opts;
    const cap = backoffMs(Math.min(this.#attempt, 64) + 1, { baseMs: initialMs, maxMs, factor });
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

