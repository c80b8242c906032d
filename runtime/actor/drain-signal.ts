/**
 * One-shot "the queue has drained" notifications for listeners that paused a
 * socket on a full actor queue. Fires at half the bound so reading resumes
 * with room to spare instead of flapping at the edge.
 */
export class DrainSignal {
  readonly #waiters = new Set<() => void>();

  add(fn: () => void): void {
    this.#waiters.add(fn);
  }

  /** Call after the queue shrank; wakes every waiter once the queue is at or below half of `bound`. */
  check(outstanding: number, bound: number): void {
    if (this.#waiters.size === 0 || outstanding > bound / 2) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const fn of waiters) fn();
  }
}
