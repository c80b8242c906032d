/**
 * A cap on the bytes all connections together hold for frames and lines
 * still arriving. A connection whose partial frame grows while the total is
 * over the cap stops being read until the total falls to the low-water mark
 * (frames completing elsewhere, or read timeouts closing slow senders), so
 * many slow senders can't pin memory without bound.
 */
export class MemoryBudget {
  #used = 0;
  readonly #waiting = new Set<() => void>();
  /** Connections paused by the budget so far. */
  pauses = 0;
  /** Since when the budget has been pressed, as the connection sweeper saw it (0: not pressed). */
  overSince = 0;

  constructor(public limit: number) {}

  get used(): number {
    return this.#used;
  }

  get over(): boolean {
    return this.#used > this.limit;
  }

  /** Over the limit, or not yet back under the low-water mark with connections waiting for it. */
  get pressed(): boolean {
    return this.#used > this.limit || this.#waiting.size > 0;
  }

  /** A new limit (reload): connections waiting for room go on at once if the total is now under its low-water mark. */
  resize(limit: number): void {
    this.limit = limit;
    if (this.#waiting.size > 0 && this.#used <= limit * 0.75) this.#wake();
  }

  /** Records a change in one connection's held bytes; true when the caller must stop reading. */
  change(delta: number): boolean {
    this.#used += delta;
    if (delta < 0) {
      if (this.#waiting.size > 0 && this.#used <= this.limit * 0.75) this.#wake();
      return false;
    }
    return this.#used > this.limit;
  }

  /** Calls `resume` once the total is back under the low-water mark. */
  wait(resume: () => void): void {
    this.pauses++;
    this.#waiting.add(resume);
  }

  forget(resume: () => void): void {
    this.#waiting.delete(resume);
  }

  #wake(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const fn of waiting) fn();
  }
}
