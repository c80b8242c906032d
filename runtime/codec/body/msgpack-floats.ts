// Keeps msgpack's float type for whole numbers through a decode and an
// encode. JavaScript has one number type: a float64 2.0 from the wire decodes
// to 2, and msgpackr writes 2 as an integer, so a value a handler passes back
// unchanged (an echo, a forwarded record) returns as int where Go's server
// keeps float64, and PHP then reads int(2) instead of float(2.0); -0.0 comes
// back as 0. Decoding notes which members of which decoded maps and arrays
// were whole-number floats on the wire; encoding writes those members as
// floats again while they still hold a whole number. A float at the top level
// of a body has no container to note it in and returns as an integer.
import { addExtension } from 'msgpackr';

/** Float width on the wire, by member (a map's string key or an array's index). */
type Marks = Map<string | number, 32 | 64>;

const marks = new WeakMap<object, Marks>();

/** A number msgpackr must write as a float of this width. */
export class WireFloat {
  constructor(
    readonly value: number,
    readonly width: 32 | 64,
  ) {}
}

// A class extension lets WireFloat write its bytes itself (no ext header):
// msgpackr calls pack() with room to write into.
const WIRE_FLOAT_EXT = 0x7e;
addExtension({
  Class: WireFloat,
  type: WIRE_FLOAT_EXT,
  pack(f: WireFloat, allocateForWrite: (size: number) => { target: Uint8Array; targetView: DataView; position: number }) {
    const { target, targetView, position } = allocateForWrite(f.width === 32 ? 5 : 9);
    target[position] = f.width === 32 ? 0xca : 0xcb;
    if (f.width === 32) targetView.setFloat32(position + 1, f.value);
    else targetView.setFloat64(position + 1, f.value);
  },
  unpack() {
    throw new Error(`Unknown extension type ${WIRE_FLOAT_EXT}`);
  },
} as unknown as Parameters<typeof addExtension>[0]);

const isWhole = (n: number): boolean => Number.isInteger(n) || Object.is(n, -0);

/**
 * Notes the whole-number floats of `value`, the result of decoding `bytes`.
 * Most bodies carry no float marker byte at all and cost one scan. Runs only
 * on bytes msgpackr already decoded, so the structure is sound; a body nested
 * deeper than this walk's stack allows is left unnoted.
 */
export function noteWholeFloats(bytes: Uint8Array, value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  if (!bytes.includes(0xcb) && !bytes.includes(0xca)) return;
  try {
    new Walker(bytes).walk(value, null, 0);
  } catch {
    /* too deep, or a key type objects can't hold: floats there return as integers */
  }
}

class Walker {
  pos = 0;
  readonly view: DataView;
  constructor(readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  #len(bytes: 1 | 2 | 4): number {
    const p = this.pos;
    this.pos += bytes;
    return bytes === 1 ? this.b[p]! : bytes === 2 ? this.view.getUint16(p) : this.view.getUint32(p);
  }

  #mark(parent: object | null, key: string | number, width: 32 | 64, n: number): void {
    if (parent === null || !isWhole(n)) return;
    let m = marks.get(parent);
    if (!m) marks.set(parent, (m = new Map()));
    m.set(key, width);
  }

  /** Reads one value at pos; `v` is what msgpackr decoded from it, `parent[key]` where it sits. */
  walk(v: unknown, parent: object | null, key: string | number): void {
    const t = this.b[this.pos++]!;
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return;
    if (t >= 0x80 && t <= 0x8f) return this.#map(v, t & 0x0f);
    if (t >= 0x90 && t <= 0x9f) return this.#array(v, t & 0x0f);
    if (t >= 0xa0 && t <= 0xbf) {
      this.pos += t & 0x1f;
      return;
    }
    switch (t) {
      case 0xca:
        this.#mark(parent, key, 32, this.view.getFloat32(this.pos));
        this.pos += 4;
        return;
      case 0xcb:
        this.#mark(parent, key, 64, this.view.getFloat64(this.pos));
        this.pos += 8;
        return;
      case 0xcc: case 0xd0: this.pos += 1; return; // prettier-ignore
      case 0xcd: case 0xd1: this.pos += 2; return; // prettier-ignore
      case 0xce: case 0xd2: this.pos += 4; return; // prettier-ignore
      case 0xcf: case 0xd3: this.pos += 8; return; // prettier-ignore
      case 0xc4: case 0xd9: this.pos += this.#len(1); return; // prettier-ignore
      case 0xc5: case 0xda: this.pos += this.#len(2); return; // prettier-ignore
      case 0xc6: case 0xdb: this.pos += this.#len(4); return; // prettier-ignore
      case 0xc7: this.pos += this.#len(1) + 1; return; // prettier-ignore
      case 0xc8: this.pos += this.#len(2) + 1; return; // prettier-ignore
      case 0xc9: this.pos += this.#len(4) + 1; return; // prettier-ignore
      case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: this.pos += 1 + (1 << (t - 0xd4)); return; // prettier-ignore
      case 0xdc: return this.#array(v, this.#len(2));
      case 0xdd: return this.#array(v, this.#len(4));
      case 0xde: return this.#map(v, this.#len(2));
      case 0xdf: return this.#map(v, this.#len(4));
      default:
        throw new Error(`msgpack type 0x${t.toString(16)}`);
    }
  }

  #array(v: unknown, n: number): void {
    const arr = Array.isArray(v) ? v : null;
    for (let i = 0; i < n; i++) this.walk(arr?.[i], arr, i);
  }

  #map(v: unknown, n: number): void {
    const obj = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    for (let i = 0; i < n; i++) {
      const key = this.#key();
      this.walk(obj && key !== null ? obj[key] : undefined, key === null ? null : obj, key ?? '');
    }
  }

  /** A map key as the decoded object holds it (strings and integers); null for others, which are skipped. */
  #key(): string | null {
    const t = this.b[this.pos]!;
    let len = -1;
    if (t >= 0xa0 && t <= 0xbf) {
      this.pos++;
      len = t & 0x1f;
    } else if (t === 0xd9 || t === 0xda || t === 0xdb) {
      this.pos++;
      len = this.#len(t === 0xd9 ? 1 : t === 0xda ? 2 : 4);
    }
    if (len >= 0) {
      const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.pos, len).toString('utf8');
      this.pos += len;
      return s;
    }
    if (t <= 0x7f) {
      this.pos++;
      return String(t);
    }
    this.walk(undefined, null, 0);
    return null;
  }
}

/** The float members noted for `container` (decoded from msgpack), if any. */
export function floatMarksOf(container: object): Marks | undefined {
  return marks.get(container);
}

/** `x` to write at `key` of a container with these marks: a WireFloat when it was a float on the wire and is whole. */
export function asWireFloat(x: unknown, m: Marks | undefined, key: string | number): unknown {
  if (m === undefined || typeof x !== 'number' || !isWhole(x)) return x;
  const width = m.get(key);
  return width === undefined ? x : new WireFloat(x, width);
}
