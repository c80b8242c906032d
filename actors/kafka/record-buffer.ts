// Pure: the records one group member holds, across its assigned partitions.
// Feeds receive() round-robin over partitions (order kept within each),
// applies acks, answers which offsets may be committed, and follows
// assignment changes. Pause/resume decisions are left to the caller, which
// reads `buffered(topic)`.
import { type AckOutcome, ByteBudget, PartitionOffsets } from './offset-tracker.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface AssignmentChange {
  added: TopicPartition[];
  revoked: TopicPartition[];
  /** Kept partitions and where their next fetch should start (null: no record seen yet). */
  retained: (TopicPartition & { nextFetch: number | null })[];
  /** Delivered but unacknowledged records dropped with revoked partitions (their new owner gets them again). */
  droppedUnacked: number;
}

class TopicRecords<R> {
  readonly partitions = new Map<number, PartitionOffsets<R>>();
  /** Round-robin start for the next take. */
  rr = 0;
  order: number[] = [];

  sync(): void {
    this.order = [...this.partitions.keys()].sort((a, b) => a - b);
    if (this.rr >= this.order.length) this.rr = 0;
  }
}

export class RecordBuffer<R> {
  readonly #topics = new Map<string, TopicRecords<R>>();

  /** @param sizeOf a record's bytes, for `bytes(topic)` (default: not counted). */
  constructor(readonly sizeOf: (record: R) => number = () => 0) {}

  topics(): string[] {
    return [...this.#topics.keys()];
  }

  assignment(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, t] of this.#topics) for (const partition of t.order) out.push({ topic, partition });
    return out;
  }

  has(topic: string, partition: number): boolean {
    return this.#topics.get(topic)?.partitions.has(partition) ?? false;
  }

  /** Replaces the assignment: revoked partitions are forgotten, new ones start empty, kept ones keep everything. */
  assign(next: TopicPartition[], startAt?: (tp: TopicPartition) => number | null): AssignmentChange {
    const wanted = new Map<string, Set<number>>();
    for (const { topic, partition } of next) {
      let s = wanted.get(topic);
      if (!s) wanted.set(topic, (s = new Set()));
      s.add(partition);
    }
    const change: AssignmentChange = { added: [], revoked: [], retained: [], droppedUnacked: 0 };
    for (const [topic, t] of this.#topics) {
      const keep = wanted.get(topic);
      for (const [partition, p] of t.partitions) {
        if (keep?.has(partition)) change.retained.push({ topic, partition, nextFetch: p.nextFetch });
        else {
          change.revoked.push({ topic, partition });
          change.droppedUnacked += p.unacked;
          t.partitions.delete(partition);
        }
      }
      if (t.partitions.size === 0 && !keep) this.#topics.delete(topic);
      else t.sync();
    }
    for (const [topic, partitions] of wanted) {
      let t = this.#topics.get(topic);
      if (!t) this.#topics.set(topic, (t = new TopicRecords<R>()));
      for (const partition of partitions) {
        if (t.partitions.has(partition)) continue;
        t.partitions.set(partition, new PartitionOffsets<R>(startAt?.({ topic, partition }) ?? null, this.sizeOf));
        change.added.push({ topic, partition });
      }
      t.sync();
    }
    return change;
  }

  /** False when the partition is not assigned or the offset was already taken (refetch after rebalance). */
  accept(topic: string, partition: number, offset: number, record: R): boolean {
    const p = this.#topics.get(topic)?.partitions.get(partition);
    return p ? p.accept(offset, record) : false;
  }

  /**
   * Up to `max` buffered records of one topic, taken round-robin across its partitions (handed out at `now`),
   * and no more than `maxBytes` of them as `sizeOf` counts them (at least one record when any is buffered).
   */
  take(topic: string, max: number, now = 0, maxBytes = Infinity): R[] {
    const out: R[] = [];
    const t = this.#topics.get(topic);
    if (!t || t.order.length === 0 || max <= 0) return out;
    const n = t.order.length;
    // Each round offers every partition an equal share of what is left, so one
    // busy partition cannot starve the others; the first partition rotates.
    const budget = maxBytes === Infinity ? undefined : new ByteBudget(maxBytes);
    const start = t.rr;
    t.rr = (start + 1) % n;
    while (out.length < max) {
      const share = Math.ceil((max - out.length) / n);
      let got = 0;
      for (let k = 0; k < n && out.length < max; k++) {
        got += t.partitions.get(t.order[(start + k) % n]!)!.take(Math.min(share, max - out.length), out, now, budget);
      }
      if (got === 0 || budget?.left === 0) break;
    }
    return out;
  }

  ack(topic: string, partition: number, offset: number): AckOutcome {
    const p = this.#topics.get(topic)?.partitions.get(partition);
    return p ? p.ack(offset) : 'unknown';
  }

  ackDelivered(topic: string): number {
    let n = 0;
    const t = this.#topics.get(topic);
    if (t) for (const p of t.partitions.values()) n += p.ackDelivered();
    return n;
  }

  /** Delivered, unacknowledged records back to the buffer: all, or those handed out before `deliveredBefore`. */
  redeliver(deliveredBefore = Infinity): number {
    let n = 0;
    for (const t of this.#topics.values()) for (const p of t.partitions.values()) n += p.redeliver(deliveredBefore);
    return n;
  }

  /** The earliest hand-out time among delivered, unacknowledged records of any topic; null when none. */
  oldestUnacked(): number | null {
    let oldest: number | null = null;
    for (const t of this.#topics.values()) {
      for (const p of t.partitions.values()) {
        const at = p.oldestUnacked();
        if (at !== null && (oldest === null || at < oldest)) oldest = at;
      }
    }
    return oldest;
  }

  /** Offsets ahead of the last commit, for one topic or all. */
  pendingCommits(topic?: string): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [name, t] of this.#topics) {
      if (topic !== undefined && name !== topic) continue;
      for (const [partition, p] of t.partitions) {
        const offset = p.pendingCommit();
        if (offset !== null) out.push({ topic: name, partition, offset });
      }
    }
    return out;
  }

  markCommitted(list: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of list) this.#topics.get(topic)?.partitions.get(partition)?.markCommitted(offset);
  }

  /** Where a restart of the partition would resume: the last committed position, else the commit position. */
  resumePosition(topic: string, partition: number): number | null {
    const p = this.#topics.get(topic)?.partitions.get(partition);
    return p ? (p.committed ?? p.commitPosition()) : null;
  }

  buffered(topic: string): number {
    return this.#sum(topic, (p) => p.buffered);
  }

  unacked(topic: string): number {
    return this.#sum(topic, (p) => p.unacked);
  }

  held(topic: string): number {
    return this.#sum(topic, (p) => p.held);
  }

  /** Bytes of one topic's buffered and unacknowledged records. */
  bytes(topic: string): number {
    return this.#sum(topic, (p) => p.bytes);
  }

  /** Bytes of one topic's records fetched and not yet handed out. */
  bufferedBytes(topic: string): number {
    return this.#sum(topic, (p) => p.bufferedBytes);
  }

  /** Per-partition view for stats. */
  describe(): { topic: string; partition: number; buffered: number; unacked: number; bytes: number; committed: number | null; position: number | null }[] {
    const out = [];
    for (const [topic, t] of this.#topics) {
      for (const partition of t.order) {
        const p = t.partitions.get(partition)!;
        out.push({ topic, partition, buffered: p.buffered, unacked: p.unacked, bytes: p.bytes, committed: p.committed, position: p.commitPosition() });
      }
    }
    return out;
  }

  #sum(topic: string, f: (p: PartitionOffsets<R>) => number): number {
    const t = this.#topics.get(topic);
    if (!t) return 0;
    let n = 0;
    for (const p of t.partitions.values()) n += f(p);
    return n;
  }
}
