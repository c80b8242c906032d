/*
 * Single-producer, single-consumer byte ring on a SharedArrayBuffer: how
 * request and reply batches cross between the main thread and a worker
 * without a postMessage each (docs/design/worker-hop.md has the measurements
 * that chose it).
 *
 * Layout of the SharedArrayBuffer:
 *   bytes 0..15   Int32 header: [0] write position, [1] read position,
 *                 [2] consumer state (0 awake, 1 parked), [3] unused
 *   bytes 16..    data, `capacity` bytes (a power of two)
 * Positions count bytes written/read since creation and wrap as int32; a
 * position's offset in the data is `position & (capacity - 1)`.
 *
 * Record, 4-byte aligned:  u32 length (LE) | bytes | padding to 4
 *   length PAD  (0xffffffff): nothing more before the end of the data; go on at offset 0
 *   length BULK (0xfffffffe): this record is the next message on the channel's bulk port
 *
 * Plain reads and writes of the data are published by the Atomics.store of
 * the write position and observed through the Atomics.load of it (the
 * memory model orders them), so no lock is needed.
 */

const HEADER_BYTES = 16;
const WRITE = 0;
const READ = 1;
const STATE = 2;
const PAD = 0xffffffff;
const BULK_LENGTH = 0xfffffffe;
const AWAKE = 0;
const PARKED = 1;

/** What read() returns for a BULK record. */
export const BULK = Symbol('bulk');

const align4 = (n: number): number => (n + 3) & ~3;

export function createRingBuffer(capacity: number): SharedArrayBuffer {
  if (capacity < 64 || (capacity & (capacity - 1)) !== 0) throw new RangeError('ring capacity must be a power of two, at least 64');
  const sab = new SharedArrayBuffer(HEADER_BYTES + capacity);
  Atomics.store(new Int32Array(sab, 0, 4), STATE, PARKED);
  return sab;
}

export class SharedRing {
  readonly capacity: number;
  readonly #header: Int32Array;
  readonly #data: Uint8Array;
  readonly #view: DataView;
  readonly #mask: number;
  /** This side's own position (the producer's write or the consumer's read), kept out of shared memory. */
  #writePos: number;
  #readPos: number;

  constructor(sab: SharedArrayBuffer) {
    this.capacity = sab.byteLength - HEADER_BYTES;
    this.#header = new Int32Array(sab, 0, 4);
    this.#data = new Uint8Array(sab, HEADER_BYTES, this.capacity);
    this.#view = new DataView(sab, HEADER_BYTES, this.capacity);
    this.#mask = this.capacity - 1;
    this.#writePos = Atomics.load(this.#header, WRITE);
    this.#readPos = Atomics.load(this.#header, READ);
  }

  /** The largest record write() takes; a larger batch goes over the bulk port. */
  get maxRecord(): number {
    return this.capacity / 2 - 4;
  }

  // ---- producer side ----

  /** Appends one record; false when it does not fit now (or ever: over maxRecord). */
  write(bytes: Uint8Array): boolean {
    if (bytes.length > this.maxRecord) return false;
    return this.#append(bytes.length, bytes);
  }

  /**
   * Appends a BULK record: the consumer takes the next message of the bulk
   * port at this point. `send` posts that message once the record is known
   * to fit and before the consumer can see it; nothing is sent on false.
   */
  writeBulkMarker(send: () => void): boolean {
    return this.#append(BULK_LENGTH, null, send);
  }

  #append(length: number, bytes: Uint8Array | null, beforePublish?: () => void): boolean {
    const size = bytes ? align4(4 + length) : 4;
    let w = this.#writePos;
    const free = this.capacity - ((w - Atomics.load(this.#header, READ)) | 0);
    const off = w & this.#mask;
    const tail = this.capacity - off;
    let at = off;
    if (size > tail) {
      // The record does not fit before the end: pad the tail, start again at 0.
      if (tail + size > free) return false;
      this.#view.setUint32(off, PAD, true);
      w = (w + tail) | 0;
      at = 0;
    } else if (size > free) {
      return false;
    }
    this.#view.setUint32(at, length, true);
    if (bytes) this.#data.set(bytes, at + 4);
    beforePublish?.();
    this.#writePos = (w + size) | 0;
    Atomics.store(this.#header, WRITE, this.#writePos);
    return true;
  }

  /**
   * Marks the consumer awake if it was parked; true when this call did so,
   * and so owes the consumer a wake-up (only one producer call wins).
   */
  claimWake(): boolean {
    return Atomics.load(this.#header, STATE) === PARKED && Atomics.compareExchange(this.#header, STATE, PARKED, AWAKE) === PARKED;
  }

  // ---- consumer side ----

  get hasData(): boolean {
    return Atomics.load(this.#header, WRITE) !== this.#readPos;
  }

  /** The next record as a copy the caller owns, BULK, or null when the ring is empty. */
  read(): Uint8Array | typeof BULK | null {
    let r = this.#readPos;
    if (Atomics.load(this.#header, WRITE) === r) return null;
    let off = r & this.#mask;
    let length = this.#view.getUint32(off, true);
    if (length === PAD) {
      r = (r + this.capacity - off) | 0;
      off = 0;
      length = this.#view.getUint32(0, true);
    }
    if (length === BULK_LENGTH) {
      this.#release((r + 4) | 0);
      return BULK;
    }
    // A copy: requests queued in a worker keep views into their batch long
    // after the ring moved on. Into Buffer's pool, which never hands the
    // same bytes out twice: a small batch then costs no ArrayBuffer of its
    // own (bench/micro "ring", a lone request's batch: 1.3-1.8 -> 0.6 us).
    const out = Buffer.allocUnsafe(length);
    out.set(this.#data.subarray(off + 4, off + 4 + length));
    this.#release((r + align4(4 + length)) | 0);
    return out;
  }

  #release(r: number): void {
    this.#readPos = r;
    Atomics.store(this.#header, READ, r);
  }

  /**
   * Declares the consumer parked: from now on a producer that writes owes it
   * a wake-up. False (and awake again) when data arrived meanwhile, so the
   * consumer drains instead of waiting for a wake-up nobody will send.
   */
  park(): boolean {
    Atomics.store(this.#header, STATE, PARKED);
    if (!this.hasData) return true;
    Atomics.store(this.#header, STATE, AWAKE);
    return false;
  }

  /** The consumer is about to poll (spin): producers need not wake it. */
  wake(): void {
    Atomics.store(this.#header, STATE, AWAKE);
  }
}
