/*
 * The bytes of one incomplete frame or line, gathered as they arrive, so a
 * decoder holds what a peer has sent rather than what its header declares.
 * Pure: no I/O.
 *
 * A piece of at least COPY_BELOW bytes that fills at least half of the memory
 * behind it is kept by reference (no copy). Anything smaller is copied into
 * staging buffers sized like what is already held (between FIRST_STAGE and
 * MAX_STAGE), so a peer that trickles one byte per TCP segment costs its bytes,
 * not a Buffer object per byte, and a short tail of a large socket read does
 * not pin the whole read. Memory held therefore stays within about twice
 * `length` plus one small staging buffer; `take()` copies once.
 */

const COPY_BELOW = 4096;
const FIRST_STAGE = 256;
const MAX_STAGE = 64 * 1024;

export class PartialBytes {
  #parts: Buffer[] = [];
  #length = 0;
  /** The last part while it is our own staging buffer with room left. */
  #stage: Buffer | null = null;
  #stageFill = 0;

  /** Bytes held. */
  get length(): number {
    return this.#length;
  }

  /** `total`, when known, is the size the whole will have: staging buffers are not made larger than what is still to come. */
  append(bytes: Buffer, total = Infinity): void {
    const n = bytes.length;
    if (n === 0) return;
    if (n >= COPY_BELOW && n * 2 >= bytes.buffer.byteLength) {
      this.#closeStage();
      this.#parts.push(bytes);
      this.#length += n;
      return;
    }
    for (let off = 0; off < n; ) {
      if (this.#stage === null || this.#stageFill === this.#stage.length) this.#openStage(n - off, total - this.#length);
      const copied = bytes.copy(this.#stage!, this.#stageFill, off, n);
      this.#stageFill += copied;
      this.#length += copied;
      off += copied;
    }
  }

  /** All bytes held, as one buffer (a copy unless they are a single piece); leaves this empty. */
  take(): Buffer {
    this.#closeStage();
    const parts = this.#parts;
    const length = this.#length;
    this.#parts = [];
    this.#length = 0;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  }

  /** Drops everything held. */
  clear(): void {
    this.#parts = [];
    this.#length = 0;
    this.#stage = null;
    this.#stageFill = 0;
  }

  #closeStage(): void {
    if (this.#stage === null) return;
    if (this.#stageFill < this.#stage.length) this.#parts[this.#parts.length - 1] = this.#stage.subarray(0, this.#stageFill);
    this.#stage = null;
    this.#stageFill = 0;
  }

  #openStage(need: number, toCome: number): void {
    this.#closeStage();
    const size = Math.max(need, Math.min(toCome, MAX_STAGE, Math.max(FIRST_STAGE, this.#length)));
    this.#stage = Buffer.allocUnsafe(size);
    this.#parts.push(this.#stage);
  }
}
