// Pure bookkeeping for one assigned partition: which fetched records are
// waiting to be received, which were received and await an ack, and the
// offset that may be committed. No I/O, no timers.
//
// The rule it exists for: the commit position is the offset of the FIRST
// record not yet acknowledged. Acknowledging later records never moves the
// position past an earlier unacknowledged one, so a crash, restart or
// rebalance redelivers every record that was not acknowledged (at-least-once,
// never at-most-once). Kafka offsets may have holes (compaction, transaction
// markers), so "contiguous" means contiguous in the sequence of records the
// broker returned, not offset + 1.

const BUFFERED = 0;
const DELIVERED = 1;
const ACKED = 2;
type EntryState = typeof BUFFERED | typeof DELIVERED | typeof ACKED;

interface Entry<R> {
  readonly offset: number;
  state: EntryState;
  /** Dropped once acknowledged: nothing will deliver it again. */
  record: R | null;
  /** The record's bytes as the owner counts them (0 once dropped). */
  size: number;
  /** When take() last handed it out (the caller's clock; the ack timeout compares against it). */
  deliveredAt: number;
}

export type AckOutcome =
  /** Was delivered and is now acknowledged. */
  | 'acked'
  /** Acknowledged before (a repeated ack). */
  | 'already-acked'
  /** Fetched but never handed out by receive: refusing keeps it from being skipped. */
  | 'not-delivered'
  /** Not held: never fetched here, already committed, or the partition moved away. */
  | 'unknown';

/**
 * Bytes a take may still hand out: `fits` charges a record's size (as its partition counted it) when it fits,
 * or when it is the first of the take. A partition stops at its first record that does not fit; the others of
 * the take may still add smaller ones.
 */
export class ByteBudget {
  constructor(public left: number) {}

  fits(size: number, first: boolean): boolean {
    if (size > this.left && !first) return false;
    this.left = Math.max(0, this.left - size);
    return true;
  }
}

export class PartitionOffsets<R> {
  #entries: Entry<R>[] = [];
  #head = 0;
  /** Index of the first entry that may still be BUFFERED. */
  #cursor = 0;
  #buffered = 0;
  #delivered = 0;
  #bytes = 0;
  #bufferedBytes = 0;
  /** Offset after the last record accepted; later fetches below it are duplicates. */
  #nextFetch: number | null = null;
  /** Offset after the last record that left the window acknowledged. */
  #drainedTo: number | null = null;
  /** Last position the broker confirmed as committed. */
  #committed: number | null = null;

  /**
   * @param startAt position the consumer starts from, when known (committed offset or seek).
   * @param sizeOf a record's bytes, for `bytes` (default: not counted).
   */
  constructor(
    startAt: number | null = null,
    readonly sizeOf: (record: R) => number = () => 0,
  ) {
    if (startAt !== null) {
      this.#nextFetch = startAt;
      this.#drainedTo = startAt;
    }
  }

  /** Records fetched and not yet handed out. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Records handed out and not yet acknowledged. */
  get unacked(): number {
    return this.#delivered;
  }

  /** Bytes of the records held (buffered and unacknowledged; acknowledged ones are dropped). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes of the records fetched and not yet handed out. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /** Records held in memory (buffered + unacked + acked behind an unacked one). */
  get held(): number {
    return this.#entries.length - this.#head;
  }

  get nextFetch(): number | null {
    return this.#nextFetch;
  }

  get committed(): number | null {
    return this.#committed;
  }

  /**
   * Takes a fetched record. Returns false (and keeps nothing) for an offset
   * below the fetch position: drivers refetch from the committed offset after
   * a rebalance, and those records are already held here.
   */
  accept(offset: number, record: R): boolean {
    if (this.#nextFetch !== null && offset < this.#nextFetch) return false;
    const size = this.sizeOf(record);
    this.#entries.push({ offset, state: BUFFERED, record, size, deliveredAt: 0 });
    this.#buffered++;
    this.#bytes += size;
    this.#bufferedBytes += size;
    this.#nextFetch = offset + 1;
    if (this.#drainedTo === null) this.#drainedTo = offset;
    return true;
  }

  /**
   * Hands out up to `max` buffered records in offset order and marks them delivered (at `now`).
   * With a byte budget it stops before the first record that does not fit what is left of it,
   * unless `out` is still empty: a record larger than the whole budget goes out alone.
   */
  take(max: number, out: R[], now = 0, budget?: ByteBudget): number {
    let n = 0;
    const entries = this.#entries;
    let i = Math.max(this.#cursor, this.#head);
    while (n < max && i < entries.length) {
      const e = entries[i]!;
      if (e.state === BUFFERED) {
        if (budget && !budget.fits(e.size, out.length === 0)) break;
        e.state = DELIVERED;
        e.deliveredAt = now;
        this.#buffered--;
        this.#bufferedBytes -= e.size;
        this.#delivered++;
        out.push(e.record!);
        n++;
      }
      i++;
    }
    this.#cursor = i;
    return n;
  }

  ack(offset: number): AckOutcome {
    const i = this.#find(offset);
    if (i < 0) return 'unknown';
    const e = this.#entries[i]!;
    if (e.state === ACKED) return 'already-acked';
    if (e.state === BUFFERED) return 'not-delivered';
    this.#markAcked(e);
    this.#advance();
    return 'acked';
  }

  /** Acknowledges every delivered record (the App API's ack(connection, topic)). */
  ackDelivered(): number {
    let n = 0;
    const entries = this.#entries;
    for (let i = this.#head; i < entries.length && this.#delivered > 0; i++) {
      const e = entries[i]!;
      if (e.state === DELIVERED) {
        this.#markAcked(e);
        n++;
      }
    }
    this.#advance();
    return n;
  }

  /**
   * Puts delivered, unacknowledged records back in front of the buffer: all of them (a consumer
   * restarted), or those handed out before `deliveredBefore` (their ack timed out).
   */
  redeliver(deliveredBefore = Infinity): number {
    const entries = this.#entries;
    let n = 0;
    for (let i = this.#head; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.state === DELIVERED && e.deliveredAt < deliveredBefore) {
        e.state = BUFFERED;
        this.#bufferedBytes += e.size;
        n++;
      }
    }
    this.#delivered -= n;
    this.#buffered += n;
    if (n > 0) this.#cursor = this.#head;
    return n;
  }

  /** The earliest hand-out time among delivered, unacknowledged records; null when there are none. */
  oldestUnacked(): number | null {
    if (this.#delivered === 0) return null;
    let oldest = Infinity;
    const entries = this.#entries;
    for (let i = this.#head; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.state === DELIVERED && e.deliveredAt < oldest) oldest = e.deliveredAt;
    }
    return oldest;
  }

  /**
   * The offset to commit: the first unacknowledged record held, or just after
   * the last acknowledged one. Null when nothing was ever fetched or seeked.
   */
  commitPosition(): number | null {
    if (this.#head < this.#entries.length) return this.#entries[this.#head]!.offset;
    return this.#drainedTo;
  }

  /** The commit position if it is ahead of what the broker has, else null. */
  pendingCommit(): number | null {
    const p = this.commitPosition();
    return p !== null && (this.#committed === null || p > this.#committed) ? p : null;
  }

  markCommitted(position: number): void {
    if (this.#committed === null || position > this.#committed) this.#committed = position;
  }

  #markAcked(e: Entry<R>): void {
    e.state = ACKED;
    e.record = null;
    this.#bytes -= e.size;
    e.size = 0;
    this.#delivered--;
  }

  /** Drops acknowledged records from the front of the window. */
  #advance(): void {
    const entries = this.#entries;
    let h = this.#head;
    while (h < entries.length && entries[h]!.state === ACKED) {
      this.#drainedTo = entries[h]!.offset + 1;
      h++;
    }
    this.#head = h;
    if (this.#cursor < h) this.#cursor = h;
    if (h === entries.length) {
      this.#entries = [];
      this.#head = 0;
      this.#cursor = 0;
    } else if (h >= 1024 && h * 2 >= entries.length) {
      this.#entries = entries.slice(h);
      this.#cursor -= h;
      this.#head = 0;
    }
  }

  /** Binary search; offsets in the window are strictly increasing. */
  #find(offset: number): number {
    const entries = this.#entries;
    let lo = this.#head;
    let hi = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = entries[mid]!.offset;
      if (o === offset) return mid;
      if (o < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
