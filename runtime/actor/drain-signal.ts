/**
 * One-shot notifications as a queue shrinks: "drained" for listeners that
 * paused a socket on a full actor queue, fired at half the bound so reading
 * resumes with room to spare instead of flapping at the edge; and "empty"
 * for a graceful stop waiting for the last request.
 */
export class DrainSignal {
  readonly #waiters = new Set<() => void>();
  #emptyWaiters: (() => void)[] = [];

  add(fn: () => void): void {
    this.#waiters.add(fn);
  }

  /** Calls `fn` once the queue is empty (the next check with outstanding 0). */
  whenEmpty(fn: () => void): void {
    this.#emptyWaiters.push(fn);
  }

  /** Call after the queue shrank; wakes every waiter once the queue is at or below half of `bound`. */
  check(outstanding: number, bound: number): void {
    if (outstanding === 0 && this.#emptyWaiters.length > 0) {
      const empty = this.#emptyWaiters;
      this.#emptyWaiters = [];
      for (const fn of empty) fn();
    }
    if (this.#waiters.size === 0 || outstanding > bound / 2) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const fn of waiters) fn();
  }
}
