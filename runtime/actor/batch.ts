/*
 * Batches that cross the thread boundary: one batch per event-loop turn and
 * direction (copied through a shared ring or transferred: batch-channel.ts),
 * never one postMessage per request: on two
 * cores, per-request postMessage tops out at about 100-140k req/s with real
 * work and costs ~5 us of main-thread CPU per request (docs/design/piscina.md
 * measures a per-request host against this one).
 *
 * Request batch (main -> worker), repeated `count` times after a u32 count:
 *   u32 handle | u16 method index | u8 format | u8 flags | f64 deadline (epoch ms)
 *   [u16 key length | key utf8]          when flags & 1 (pinned actors)
 *   [u8 traceparent length | ascii]      when flags & 2
 *   u32 body length | body
 *
 * Reply batch (worker -> main), repeated after a u32 count:
 *   u32 handle | u8 status (0 ok, 1 error) | u32 length | bytes
 *   ok: the result encoded in the request's format; error: JSON SerializedError
 */

const FLAG_KEY = 1;
const FLAG_TRACE = 2;

/** Growable little-endian writer over one ArrayBuffer, copied into the ring or transferred when done. */
export class BatchWriter {
  #buf: ArrayBuffer;
  #view: DataView;
  #bytes: Uint8Array;
  #off = 4;
  #count = 0;

  constructor(initial = 16 * 1024) {
    this.#buf = new ArrayBuffer(initial);
    this.#view = new DataView(this.#buf);
    this.#bytes = new Uint8Array(this.#buf);
  }

  get count(): number {
    return this.#count;
  }

  get byteLength(): number {
    return this.#off;
  }

  #ensure(extra: number): void {
    const need = this.#off + extra;
    if (need <= this.#buf.byteLength) return;
    let size = this.#buf.byteLength * 2;
    while (size < need) size *= 2;
    const next = new ArrayBuffer(size);
    const bytes = new Uint8Array(next);
    bytes.set(this.#bytes.subarray(0, this.#off));
    this.#buf = next;
    this.#view = new DataView(next);
    this.#bytes = bytes;
  }

  addRequest(
    handle: number,
    methodIndex: number,
    format: number,
    deadline: number,
    key: string | undefined,
    traceparent: string | undefined,
    body: Uint8Array,
  ): void {
    const keyBytes = key === undefined ? null : Buffer.from(key);
    const traceLen = traceparent === undefined ? 0 : Math.min(255, traceparent.length);
    this.#ensure(20 + (keyBytes ? 2 + keyBytes.length : 0) + (traceparent ? 1 + traceLen : 0) + body.length);
    const v = this.#view;
    let o = this.#off;
    v.setUint32(o, handle, true);
    v.setUint16(o + 4, methodIndex, true);
    v.setUint8(o + 6, format);
    v.setUint8(o + 7, (keyBytes ? FLAG_KEY : 0) | (traceparent !== undefined ? FLAG_TRACE : 0));
    v.setFloat64(o + 8, deadline, true);
    o += 16;
    if (keyBytes) {
      v.setUint16(o, keyBytes.length, true);
      this.#bytes.set(keyBytes, o + 2);
      o += 2 + keyBytes.length;
    }
    if (traceparent !== undefined) {
      v.setUint8(o, traceLen);
      this.#bytes.set(Buffer.from(traceparent.slice(0, traceLen), 'latin1'), o + 1);
      o += 1 + traceLen;
    }
    v.setUint32(o, body.length, true);
    this.#bytes.set(body, o + 4);
    this.#off = o + 4 + body.length;
    this.#count++;
  }

  addReply(handle: number, isError: boolean, bytes: Uint8Array): void {
    this.#ensure(9 + bytes.length);
    const v = this.#view;
    const o = this.#off;
    v.setUint32(o, handle, true);
    v.setUint8(o + 4, isError ? 1 : 0);
    v.setUint32(o + 5, bytes.length, true);
    this.#bytes.set(bytes, o + 9);
    this.#off = o + 9 + bytes.length;
    this.#count++;
  }

  /** Empties the writer for the next batch, keeping its buffer (the last batch was copied out of it). */
  reset(): void {
    this.#off = 4;
    this.#count = 0;
  }

  /** Bytes the buffer holds, used or not. */
  get capacity(): number {
    return this.#buf.byteLength;
  }

  /**
   * Finishes the batch. The whole buffer is returned (unused tail included)
   * because transferring costs the same at any size and slicing would copy.
   */
  finish(): ArrayBuffer {
    this.#view.setUint32(0, this.#count, true);
    return this.#buf;
  }
}

/** Called once per request of a batch; `body` is a view into the batch buffer. */
export type RequestVisitor = (
  handle: number,
  methodIndex: number,
  format: number,
  deadline: number,
  key: string | undefined,
  traceparent: string | undefined,
  body: Uint8Array,
) => void;

/** Visits each request with positional arguments: no object per request on the hot path. */
export function readRequests(bytes: Uint8Array, each: RequestVisitor): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const buf = bytes.buffer;
  const base = bytes.byteOffset;
  const count = v.getUint32(0, true);
  let o = 4;
  for (let i = 0; i < count; i++) {
    const handle = v.getUint32(o, true);
    const methodIndex = v.getUint16(o + 4, true);
    const format = v.getUint8(o + 6);
    const flags = v.getUint8(o + 7);
    const deadline = v.getFloat64(o + 8, true);
    o += 16;
    let key: string | undefined;
    let traceparent: string | undefined;
    if (flags & FLAG_KEY) {
      const n = v.getUint16(o, true);
      key = Buffer.from(buf, base + o + 2, n).utf8Slice();
      o += 2 + n;
    }
    if (flags & FLAG_TRACE) {
      const n = v.getUint8(o);
      traceparent = Buffer.from(buf, base + o + 1, n).latin1Slice();
      o += 1 + n;
    }
    const len = v.getUint32(o, true);
    const body = bytes.subarray(o + 4, o + 4 + len);
    o += 4 + len;
    each(handle, methodIndex, format, deadline, key, traceparent, body);
  }
}

export function readReplies(bytes: Uint8Array, each: (handle: number, isError: boolean, bytes: Buffer) => void): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const buf = bytes.buffer;
  const base = bytes.byteOffset;
  const count = v.getUint32(0, true);
  let o = 4;
  for (let i = 0; i < count; i++) {
    const handle = v.getUint32(o, true);
    const isError = v.getUint8(o + 4) === 1;
    const len = v.getUint32(o + 5, true);
    each(handle, isError, Buffer.from(buf, base + o + 9, len));
    o += 9 + len;
  }
}
