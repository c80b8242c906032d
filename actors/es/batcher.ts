// Cuts queued operations into bulk requests by count and bytes, so that
// several bulks can be in flight while operations on one document stay in
// arrival (= binlog) order: a document with an operation in flight is
// "locked", and its later operations wait in the queue, in order, until that
// bulk settles. Unrelated documents flow past them. Pure; no timers, no I/O.

export interface Batchable {
  /** Document key (index + id). */
  readonly key: string;
  /** Serialized size in bytes. */
  readonly bytes: number;
}

export interface BatchLimits {
  maxActions: number;
  maxBytes: number;
}

export class BulkBatcher<T extends Batchable> {
  // Live operations are #queue[#head..]; taking a bulk advances #head instead
  // of copying the queue (a full pipeline queues several bulks' worth).
  #queue: T[] = [];
  #head = 0;
  #bytes = 0;
  readonly #locked = new Map<string, number>();

  constructor(readonly limits: BatchLimits) {}

  get size(): number {
    return this.#queue.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  add(item: T): void {
    this.#queue.push(item);
    this.#bytes += item.bytes;
  }

  /** True when a full bulk (by count or bytes) is waiting. */
  get full(): boolean {
    return this.size >= this.limits.maxActions || this.#bytes >= this.limits.maxBytes;
  }

  /**
   * Takes the next bulk: operations in queue order, skipping documents that
   * are locked (and every later operation on them). Returns null when
   * nothing can go, or when the bulk would not be full and `force` is false.
   * The taken documents are locked until release().
   */
  take(force: boolean): T[] | null {
    if (this.size === 0 || (!force && !this.full)) return null;
    const { maxActions, maxBytes } = this.limits;
    const queue = this.#queue;
    const taken: T[] = [];
    let takenBytes = 0;
    // Operations passed over, in order; null while everything so far was taken.
    let kept: T[] | null = null;
    let blocked: Set<string> | null = null;
    let i = this.#head;
    for (; i < queue.length; i++) {
      if (taken.length >= maxActions) break;
      const item = queue[i]!;
      if (this.#locked.has(item.key) || blocked?.has(item.key)) {
        (blocked ??= new Set()).add(item.key);
        (kept ??= []).push(item);
        continue;
      }
      // One oversized operation still goes alone; otherwise stay under the byte cap.
      if (taken.length > 0 && takenBytes + item.bytes > maxBytes) {
        // Later operations on this document must not overtake it.
        (blocked ??= new Set()).add(item.key);
        (kept ??= []).push(item);
        if (takenBytes >= maxBytes * 0.9) {
          i++;
          break;
        }
        continue;
      }
      taken.push(item);
      takenBytes += item.bytes;
    }
    if (taken.length === 0) return null;
    if (kept) {
      this.#queue = i >= queue.length ? kept : kept.concat(queue.slice(i));
      this.#head = 0;
    } else {
      this.#head = i;
      // Drop the consumed prefix once it outweighs what is left.
      if (this.#head >= 1024 && this.#head * 2 >= queue.length) {
        this.#queue = queue.slice(this.#head);
        this.#head = 0;
      }
    }
    this.#bytes -= takenBytes;
    for (const t of taken) this.#locked.set(t.key, (this.#locked.get(t.key) ?? 0) + 1);
    return taken;
  }

  /** Unlocks the documents of a settled bulk. */
  release(items: readonly T[]): void {
    for (const t of items) {
      const n = this.#locked.get(t.key) ?? 0;
      if (n <= 1) this.#locked.delete(t.key);
      else this.#locked.set(t.key, n - 1);
    }
  }

  /** Empties the queue (stop after the deadline); returns what was dropped. */
  drop(): T[] {
    const q = this.#head === 0 ? this.#queue : this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
    return q;
  }
}
