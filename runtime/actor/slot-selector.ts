/** What the selector reads of a worker slot. */
export interface SelectableSlot {
  readonly ready: boolean;
  /** Requests the slot holds now. */
  readonly load: number;
  /** Keys pinned to the slot so far. */
  pinnedKeys: number;
}

/**
 * Picks the worker slot for a request: pooled actors take the least loaded
 * ready slot; pinned actors keep every request of a key on one slot (the
 * first request of a key goes to the slot with the fewest keys). Keys come
 * from clients, so the key table is bounded: past `maxKeys`, a new key is
 * placed by its hash, which needs no memory and is just as stable.
 */
export class SlotSelector<S extends SelectableSlot> {
  readonly #keyToSlot = new Map<string, S>();

  constructor(
    readonly slots: readonly S[],
    readonly maxKeys = 65_536,
  ) {}

  /** Keys placed by the table (the rest are hashed). */
  get tableSize(): number {
    return this.#keyToSlot.size;
  }

  leastLoaded(): S {
    const slots = this.slots;
    let best = slots[0]!;
    for (let i = 1; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.ready && (!best.ready || s.load < best.load)) best = s;
    }
    return best;
  }

  forKey(key: string): S {
    let slot = this.#keyToSlot.get(key);
    if (slot) return slot;
    if (this.#keyToSlot.size >= this.maxKeys) return this.slots[hash(key) % this.slots.length]!;
    slot = this.slots.reduce((a, b) => (b.pinnedKeys < a.pinnedKeys ? b : a));
    slot.pinnedKeys++;
    this.#keyToSlot.set(key, slot);
    return slot;
  }
}

/** FNV-1a over UTF-16 code units: stable across restarts, cheap, good enough spread for slot counts. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
