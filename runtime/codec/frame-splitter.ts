/*
 * Splits a byte stream into length-prefixed frames: a fixed-size header that
 * declares the payload length, then the payload. Shared by the Goridge and
 * binary IPC decoders. Pure: no I/O, no timers.
 *
 * Frames that arrive whole inside one chunk are handed out as views of that
 * chunk (no copy). A frame cut across chunks is gathered as its bytes arrive
 * (PartialBytes): a header that declares 16 MiB costs nothing until 16 MiB
 * have been sent, and `partialBytes` says how much an incomplete frame holds,
 * so a session layer can time it out or count it against a memory budget.
 * The payload is copied once, when it is complete.
 */
import { PartialBytes } from './partial-bytes.ts';

/** What checkHeader returns when the header is valid so far but not complete. */
export const NEED_MORE = -1;

const EMPTY = Buffer.alloc(0);

export abstract class FrameSplitter<E extends object> {
  readonly #headerBytes: number;
  /**
   * Header of the frame being gathered; kept until that frame is emitted.
   * Made on the first frame cut across chunks: a connection whose frames
   * arrive whole (most, and every one-call connection) never needs it.
   */
  #headerBuf: Buffer | null = null;
  #headerFill = 0;
  /** Payload length of the frame being gathered once its header is complete, else -1. */
  #payloadLength = -1;
  /** The payload gathered so far; made, like the header buffer, on the first frame cut across chunks. */
  #payloadBytes: PartialBytes | null = null;
  #error: E | null = null;

  constructor(headerBytes: number) {
    this.#headerBytes = headerBytes;
  }

  get #header(): Buffer {
    return (this.#headerBuf ??= Buffer.alloc(this.#headerBytes));
  }

  get #payload(): PartialBytes {
    return (this.#payloadBytes ??= new PartialBytes());
  }

  /**
   * The payload length declared by the header at buf[off, off + avail), once
   * enough of it is there to tell; NEED_MORE while it is valid so far; or the
   * error that ends the stream. Must check every limit before returning a length.
   */
  protected abstract checkHeader(buf: Buffer, off: number, avail: number): number | E;

  /** A complete frame: its header at header[off..] and its payload. */
  protected abstract frame(header: Buffer, off: number, payload: Buffer): void;

  /** The error that ended the stream; nothing is decoded after it. */
  get error(): E | null {
    return this.#error;
  }

  /** Bytes held for an incomplete frame (0 between frames); non-zero at EOF means the peer cut a frame short. */
  get partialBytes(): number {
    return this.#headerFill + (this.#payloadBytes?.length ?? 0);
  }

  /** Decodes what `chunk` completes; returns the stream's error, if it has one. */
  protected feed(chunk: Buffer): E | null {
    if (this.#error !== null) return this.#error;
    const end = chunk.length;
    let off = 0;
    while (off < end) {
      if (this.#headerFill === 0) {
        const next = this.#whole(chunk, off, end);
        if (next >= 0) {
          off = next;
          continue;
        }
        if (this.#error !== null) return this.#error;
      }
      off = this.#gather(chunk, off, end);
      if (this.#error !== null) return this.#error;
    }
    return null;
  }

  /** The offset after the frame at chunk[off..] (emitted, or its start buffered); -1 when its header is cut short or bad. */
  #whole(chunk: Buffer, off: number, end: number): number {
    const len = this.checkHeader(chunk, off, end - off);
    if (typeof len !== 'number') return this.#fail(len);
    if (len < 0) return -1;
    const start = off + this.#headerBytes;
    if (end - start >= len) {
      this.frame(chunk, off, len === 0 ? EMPTY : chunk.subarray(start, start + len));
      return start + len;
    }
    // Header whole and valid, payload cut short: keep the header, start gathering the payload.
    chunk.copy(this.#header, 0, off, start);
    this.#headerFill = this.#headerBytes;
    this.#payloadLength = len;
    this.#payload.append(chunk.subarray(start, end), len);
    return end;
  }

  /** Buffers bytes of a frame cut across chunks; returns the offset after what it took. */
  #gather(chunk: Buffer, off: number, end: number): number {
    if (this.#payloadLength < 0) {
      const n = Math.min(this.#headerBytes - this.#headerFill, end - off);
      chunk.copy(this.#header, this.#headerFill, off, off + n);
      this.#headerFill += n;
      off += n;
      const len = this.checkHeader(this.#header, 0, this.#headerFill);
      if (typeof len !== 'number') return this.#fail(len);
      if (len < 0) return off;
      this.#payloadLength = len;
    }
    const n = Math.min(this.#payloadLength - this.#payload.length, end - off);
    if (n > 0) this.#payload.append(chunk.subarray(off, off + n), this.#payloadLength);
    off += n;
    if (this.#payload.length === this.#payloadLength) {
      const payload = this.#payloadLength === 0 ? EMPTY : this.#payload.take();
      this.#payloadLength = -1;
      this.#headerFill = 0;
      this.frame(this.#header, 0, payload);
    }
    return off;
  }

  #fail(error: E): -1 {
    this.#error = error;
    this.#payloadBytes?.clear();
    this.#headerFill = 0;
    this.#payloadLength = -1;
    return -1;
  }
}
