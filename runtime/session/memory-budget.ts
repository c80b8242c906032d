/**
 * A cap on bytes all connections together hold, with a low-water mark. The
 * daemon keeps two: bytes of frames and lines still arriving
 * (`limits.maxBufferedBytes`: a connection whose partial frame grows while
 * it is over stops being read), and bytes of requests in flight and replies
 * clients have not read (`limits.maxInflightBytes`: while it is over, every
 * connection stops at its next read). Waiting connections go on once the
 * total falls to the low-water mark (bytes released elsewhere, or timeouts
 * and the sweeper closing the connections that hold them), so many clients
 * together can't pin memory without bound.
 */
/** Waiting connections go on once the total is back at this share of the limit. */
const LOW_WATER = 0.75;

export class MemoryBudget {
  #used = 0;
  readonly #waiting = new Set<() => void>();
  /** Connections paused by the budget so far. */
  pauses = 0;
  /** Since when the budget has been pressed, as the connection sweeper saw it (0: not pressed). */
  pressedSince = 0;

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
    this.#wakeIfRoom();
  }

  /** Records a change in one connection's held bytes; true when the caller must stop reading. */
  change(delta: number): boolean {
    this.#used += delta;
    if (delta < 0) {
      this.#wakeIfRoom();
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

  #wakeIfRoom(): void {
    if (this.#waiting.size === 0 || this.#used > this.limit * LOW_WATER) return;
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const fn of waiting) fn();
  }
}
