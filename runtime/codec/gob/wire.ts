// Gob primitive encodings (encoding/gob encode.go / decode.go), shared by the
// decoder and encoder. Layout is documented in ../gob.ts.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_52 = 2 ** 52;

/** Bytes a gob uint takes (a safe-integer `x`): one below 0x80, else a count byte and minimal big-endian bytes. */
export function gobUintSize(x: number): number {
  if (x < 0x80) return 1;
  let k = 1;
  for (let t = x; t >= 256; t = Math.floor(t / 256)) k++;
  return k + 1;
}

/** Writes a gob uint (a safe-integer `x`) at `o`; returns the offset after it. */
export function putGobUint(out: Uint8Array, o: number, x: number): number {
  if (x < 0x80) {
    out[o] = x;
    return o + 1;
  }
  const k = gobUintSize(x) - 1;
  out[o] = 256 - k;
  for (let i = k, v = x; i >= 1; i--, v = Math.floor(v / 256)) out[o + i] = v % 256;
  return o + k + 1;
}

/** Growable output buffer; one per gob message being assembled. */
export class GobWriter {
  #buf: Buffer;
  #len = 0;
  static readonly #scratch = Buffer.alloc(8);

  constructor(initial = 64) {
    this.#buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.#len;
  }

  view(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }

  reset(): void {
    this.#len = 0;
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#len++] = b;
  }

  bytes(src: Uint8Array): void {
    this.#ensure(src.length);
    this.#buf.set(src, this.#len);
    this.#len += src.length;
  }

  /** Length-prefixed UTF-8, as gob sends both string and []byte. */
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.uint(n);
    this.#ensure(n);
    this.#buf.write(s, this.#len, 'utf8');
    this.#len += n;
  }

  /** < 128: one byte; else negated byte count then minimal big-endian bytes. */
  uint(x: number | bigint): void {
    if (typeof x === 'number' && x < 0x80) {
      this.byte(x);
      return;
    }
    if (typeof x === 'number' && x <= Number.MAX_SAFE_INTEGER) {
      this.#ensure(gobUintSize(x));
      this.#len = putGobUint(this.#buf, this.#len, x);
      return;
    }
    let v = BigInt(x);
    const tmp: number[] = [];
    while (v > 0n) {
      tmp.push(Number(v & 0xffn));
      v >>= 8n;
    }
    this.byte(256 - tmp.length);
    for (let i = tmp.length - 1; i >= 0; i--) this.byte(tmp[i]!);
  }

  /** Bit 0 says "complement the rest": i >= 0 -> i<<1, i < 0 -> (^i<<1)|1. */
  int(i: number | bigint): void {
    if (typeof i === 'number' && Math.abs(i) < TWO_52) {
      this.uint(i < 0 ? -2 * i - 1 : 2 * i);
      return;
    }
    const b = BigInt(i);
    this.uint(b < 0n ? ((-b - 1n) << 1n) | 1n : b << 1n);
  }

  /** IEEE bits byte-reversed, then sent as a uint (so 17.0 is fe 31 40). */
  float(f: number): void {
    const s = GobWriter.#scratch;
    s.writeDoubleLE(f, 0);
    let first = 0;
    while (first < 8 && s[first] === 0) first++;
    if (first === 8) return this.byte(0);
    if (first === 7 && s[7]! < 0x80) return this.byte(s[7]!);
    this.byte(256 - (8 - first));
    this.bytes(s.subarray(first, 8));
  }
}

/**
 * Thrown inside the decoder and caught at its entry points (decodeGob,
 * decodeGobStream), which return it as a GOB_MALFORMED value. Not an Error:
 * hostile input must not cost a stack capture per malformed body.
 */
export class GobMalformed {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/**
 * Cursor over one input buffer. `end` bounds the current gob message: Go reads
 * values only inside the message buffer, and fetches the next message only while
 * reading a type sequence.
 */
export class GobCursor {
  pos = 0;
  end = 0;
  static readonly #scratch = Buffer.alloc(8);

  constructor(readonly src: Buffer) {}

  fail(message: string): never {
    throw new GobMalformed(message, this.pos);
  }

  /** Reads a uint that must lie before `limit` (message end, or input end for counts). */
  uint(limit = this.end): number | bigint {
    if (this.pos >= limit) this.fail('unexpected end of message');
    const b = this.src[this.pos++]!;
    if (b < 0x80) return b;
    const n = 256 - b;
    if (n > 8) this.fail('encoded unsigned integer out of range');
    if (limit - this.pos < n) this.fail(`invalid uint data length ${n}: exceeds input size ${limit - this.pos}`);
    const p = this.pos;
    this.pos += n;
    if (n <= 6) {
      let x = 0;
      for (let i = 0; i < n; i++) x = x * 256 + this.src[p + i]!;
      return x;
    }
    let x = 0n;
    for (let i = 0; i < n; i++) x = (x << 8n) | BigInt(this.src[p + i]!);
    return x <= MAX_SAFE ? Number(x) : x;
  }

  int(): number | bigint {
    const u = this.uint();
    if (typeof u === 'number') return u % 2 === 1 ? -(u - 1) / 2 - 1 : u / 2;
    const i = u & 1n ? -(u >> 1n) - 1n : u >> 1n;
    return i >= -MAX_SAFE && i <= MAX_SAFE ? Number(i) : i;
  }

  /** A uint that must fit a JS number below `max` (counts, lengths, ids, deltas). */
  small(what: string, max: number): number {
    const u = this.uint();
    if (typeof u !== 'number' || u > max) this.fail(`${what} ${String(u)} out of range (max ${max})`);
    return u;
  }

  float(): number {
    if (this.pos >= this.end) this.fail('unexpected end of message');
    const b = this.src[this.pos++]!;
    const s = GobCursor.#scratch;
    s.fill(0);
    if (b < 0x80) {
      s[7] = b;
    } else {
      const n = 256 - b;
      if (n > 8) this.fail('encoded unsigned integer out of range');
      if (this.end - this.pos < n) this.fail(`invalid uint data length ${n}: exceeds input size`);
      this.src.copy(s, 8 - n, this.pos, this.pos + n);
      this.pos += n;
    }
    return s.readDoubleLE(0);
  }

  /** Byte count of a string/[]byte; checked against the message before anything is allocated. */
  length(): number {
    const n = this.uint();
    if (typeof n !== 'number' || n > this.end - this.pos) {
      this.fail(`length ${String(n)} exceeds remaining message size ${this.end - this.pos}`);
    }
    return n;
  }

  take(n: number): Buffer {
    const out = this.src.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
