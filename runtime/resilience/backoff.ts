/**
 * Exponential backoff with jitter for reconnect loops: initial, initial*2,
 * ... up to max, each delay spread by +/- `jitter` so that many clients of
 * one restarted server do not reconnect in lockstep.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** Fraction of the delay added or removed at random (0 = none). */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  #attempt = 0;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;

  constructor(readonly opts: BackoffOptions) {
    this.#factor = opts.factor ?? 2;
    this.#jitter = opts.jitter ?? 0.2;
    this.#random = opts.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** Delay before the next attempt; each call counts one failure. */
  next(): number {
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * this.#factor ** this.#attempt);
    this.#attempt++;
    const spread = base * this.#jitter * (this.#random() * 2 - 1);
    return Math.max(0, Math.round(Math.min(this.opts.maxMs, base + spread)));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
