// Percentiles of the recent past, for status: the last one to two windows of
// samples. A window that is reset whenever it is read (every heartbeat) shows
// 0 as soon as one heartbeat passes without a sampled request, which is what
// an operator sees right after the calls they want to look at.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export class RecentPercentiles {
  #current: RecordableHistogram = createHistogram();
  #previous: RecordableHistogram = createHistogram();
  #windowStart: number;

  constructor(
    /** Samples are kept for at least this long, and at most twice as long. */
    readonly windowMs = 60_000,
    now = Date.now(),
  ) {
    this.#windowStart = now;
  }

  /** A duration in nanoseconds (at least 1). */
  record(ns: number): void {
    this.#current.record(Math.max(1, Math.round(ns)));
  }

  /** The given percentiles in milliseconds over the kept samples (0 when there are none). */
  percentiles(ps: readonly number[], now = Date.now()): number[] {
    const elapsed = now - this.#windowStart;
    if (elapsed >= this.windowMs) {
      // A window ends: the current samples become the previous ones.
      const old = this.#previous;
      old.reset();
      this.#previous = this.#current;
      this.#current = old;
      // Nothing was read for two windows or more: nothing recent is left.
      if (elapsed >= 2 * this.windowMs) this.#previous.reset();
      this.#windowStart = now;
    }
    let h = this.#current;
    if (this.#previous.count > 0) {
      h = createHistogram();
      h.add(this.#previous);
      h.add(this.#current);
    }
    return ps.map((p) => (h.count === 0 ? 0 : h.percentile(p) / 1e6));
  }
}
