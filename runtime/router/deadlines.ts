import { type Clock, systemClock } from './clock.ts';

/**
 * Fields an entry carries so the registry can link it without allocating.
 * Requests with the same timeout duration expire in arrival order, so each
 * duration keeps one FIFO list and inserting is O(1) at the tail; settling
 * unlinks in O(1). One timer is armed for the earliest head, never one per
 * request, and settled entries leave nothing behind.
 */
export interface DeadlineEntry {
  deadline: number;
  dlPrev: DeadlineEntry | null;
  dlNext: DeadlineEntry | null;
  dlList: DeadlineList | null;
}

export class DeadlineList {
  head: DeadlineEntry | null = null;
  tail: DeadlineEntry | null = null;
  size = 0;
  constructor(readonly durationMs: number) {}
}

export class DeadlineRegistry<E extends DeadlineEntry> {
  readonly #lists = new Map<number, DeadlineList>();
  readonly #clock: Clock;
  readonly #onExpire: (entry: E) => void;
  #timer: unknown = null;
  #armedFor = Infinity;
  #size = 0;

  constructor(onExpire: (entry: E) => void, clock: Clock = systemClock) {
    this.#onExpire = onExpire;
    this.#clock = clock;
  }

  get size(): number {
    return this.#size;
  }

  /** Number of distinct timeout durations currently tracked. */
  get listCount(): number {
    return this.#lists.size;
  }

  add(entry: E, timeoutMs: number): void {
    let list = this.#lists.get(timeoutMs);
    if (!list) {
      list = new DeadlineList(timeoutMs);
      this.#lists.set(timeoutMs, list);
    }
    entry.deadline = this.#clock.now() + timeoutMs;
    entry.dlList = list;
    entry.dlNext = null;
    entry.dlPrev = list.tail;
    if (list.tail) list.tail.dlNext = entry;
    else list.head = entry;
    list.tail = entry;
    list.size++;
    this.#size++;
    if (entry.deadline < this.#armedFor) this.#arm(entry.deadline);
  }

  remove(entry: E): void {
    const list = entry.dlList;
    if (!list) return;
    if (entry.dlPrev) entry.dlPrev.dlNext = entry.dlNext;
    else list.head = entry.dlNext;
    if (entry.dlNext) entry.dlNext.dlPrev = entry.dlPrev;
    else list.tail = entry.dlPrev;
    entry.dlPrev = entry.dlNext = null;
    entry.dlList = null;
    list.size--;
    this.#size--;
    if (list.size === 0) this.#lists.delete(list.durationMs);
  }

  /** Expires every entry whose deadline has passed; called by the timer. */
  expireDue(): void {
    const now = this.#clock.now();
    for (const list of [...this.#lists.values()]) {
      while (list.head && list.head.deadline <= now) {
        const e = list.head as E;
        this.remove(e);
        this.#onExpire(e);
      }
    }
    this.#rearm();
  }

  #arm(at: number): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#armedFor = at;
    // +1 so the timer never fires a hair before the deadline it is for.
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = null;
      this.#armedFor = Infinity;
      this.expireDue();
    }, Math.max(0, at - this.#clock.now() + 1));
  }

  #rearm(): void {
    let earliest = Infinity;
    for (const list of this.#lists.values()) if (list.head && list.head.deadline < earliest) earliest = list.head.deadline;
    if (earliest === Infinity) {
      if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
      this.#timer = null;
      this.#armedFor = Infinity;
    } else if (earliest !== this.#armedFor || this.#timer === null) {
      this.#arm(earliest);
    }
  }
}
