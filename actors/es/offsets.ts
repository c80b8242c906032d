// Per-partition commit watermark: a Kafka offset may be committed only when
// every message before it has been fully handled (its documents acknowledged
// by the cluster or dead-lettered). Messages finish out of order because
// several bulks are in flight; the watermark is the first unfinished offset.
// Pure; offsets are plain numbers (exact up to 2^53).

interface Entry {
  offset: number;
  done: boolean;
}

export class PartitionWatermark {
  /** Begun and not yet passed by the watermark, in offset order. */
  #entries: Entry[] = [];
  #head = 0;
  readonly #byOffset = new Map<number, Entry>();
  /** Next offset to commit (one past the last contiguous finished offset), or null before the first message. */
  #next: number | null = null;
  #committed: number | null = null;

  /** Registers a message handed to the pipeline. Offsets must increase. */
  begin(offset: number): void {
    const last = this.#entries.length > this.#head ? this.#entries[this.#entries.length - 1]!.offset : (this.#next ?? -1) - 1;
    if (offset <= last) throw new RangeError(`offset ${offset} begun after ${last}`);
    const e: Entry = { offset, done: false };
    this.#entries.push(e);
    this.#byOffset.set(offset, e);
  }

  /** Marks a begun message finished and advances the watermark over finished ones. */
  finish(offset: number): void {
    const e = this.#byOffset.get(offset);
    if (!e) return;
    e.done = true;
    this.#byOffset.delete(offset);
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.done) {
      this.#next = this.#entries[this.#head]!.offset + 1;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Messages begun and not finished. */
  get pending(): number {
    return this.#entries.length - this.#head;
  }

  /** The offset to commit now, or null when nothing new finished since the last commit. */
  committable(): number | null {
    return this.#next !== null && this.#next !== this.#committed ? this.#next : null;
  }

  /** The first offset not known finished (what a restart would consume next), or null if none seen. */
  get position(): number | null {
    return this.#next;
  }

  markCommitted(offset: number): void {
    this.#committed = offset;
  }

  get committed(): number | null {
    return this.#committed;
  }
}

/**
 * Watermarks of every partition this consumer was handed, per consumer
 * generation: after a rebalance Kafka redelivers from the committed offset,
 * so the old generation's bookkeeping is dropped (its late acknowledgements
 * are ignored) and the partition starts afresh.
 */
export class OffsetTracker {
  #generation = 0;
  readonly #parts = new Map<string, PartitionWatermark>();

  get generation(): number {
    return this.#generation;
  }

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** A new group generation: forget every partition. */
  reset(): void {
    this.#generation++;
    this.#parts.clear();
  }

  partition(topic: string, partition: number): PartitionWatermark {
    const k = OffsetTracker.key(topic, partition);
    let w = this.#parts.get(k);
    if (!w) {
      w = new PartitionWatermark();
      this.#parts.set(k, w);
    }
    return w;
  }

  finish(generation: number, topic: string, partition: number, offset: number): void {
    if (generation !== this.#generation) return;
    this.#parts.get(OffsetTracker.key(topic, partition))?.finish(offset);
  }

  /** Offsets to commit now, one per partition that advanced. */
  committable(): { topic: string; partition: number; offset: number }[] {
    const out: { topic: string; partition: number; offset: number }[] = [];
    for (const [k, w] of this.#parts) {
      const offset = w.committable();
      if (offset === null) continue;
      const sep = k.indexOf('\u0000');
      out.push({ topic: k.slice(0, sep), partition: Number(k.slice(sep + 1)), offset });
    }
    return out;
  }

  markCommitted(topic: string, partition: number, offset: number): void {
    this.#parts.get(OffsetTracker.key(topic, partition))?.markCommitted(offset);
  }

  get pending(): number {
    let n = 0;
    for (const w of this.#parts.values()) n += w.pending;
    return n;
  }

  entries(): IterableIterator<[string, PartitionWatermark]> {
    return this.#parts.entries();
  }
}
