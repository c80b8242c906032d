// Mutations of valid inputs: byte-level (flip, overwrite, insert, delete,
// repeat, splice, truncate) and length-aware (a u16/u32 in either byte order
// overwritten with a boundary value, as a header's length or count field).

export type Rand = () => number;

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x22, 0x5c, 0x7b, 0x5b];
const INTERESTING_LENGTHS = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

export const int = (rand: Rand, n: number): number => Math.floor(rand() * n);
export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)]!;

function lengthValue(rand: Rand, size: number): number {
  return rand() < 0.8 ? pick(rand, INTERESTING_LENGTHS) : Math.max(0, size + int(rand, 9) - 4);
}

/** One mutation of `b` (a new buffer); `corpus` provides splice material. */
export function mutateOnce(rand: Rand, input: Buffer, corpus: readonly Buffer[]): Buffer {
  const b = Buffer.from(input);
  const at = (): number => int(rand, Math.max(1, b.length));
  switch (int(rand, 10)) {
    case 0:
      if (b.length > 0) b[at()]! ^= 1 << int(rand, 8);
      return b;
    case 1:
      if (b.length > 0) b[at()] = rand() < 0.7 ? pick(rand, INTERESTING_BYTES) : int(rand, 256);
      return b;
    case 2:
    case 3: {
      const width = rand() < 0.5 ? 2 : 4;
      if (b.length < width) return b;
      const o = int(rand, b.length - width + 1);
      const v = lengthValue(rand, b.length) % 2 ** (8 * width);
      const littleEndian = rand() < 0.5;
      if (width === 2) b[littleEndian ? 'writeUInt16LE' : 'writeUInt16BE'](v, o);
      else b[littleEndian ? 'writeUInt32LE' : 'writeUInt32BE'](v >>> 0, o);
      return b;
    }
    case 4: {
      const o = at();
      const ins = Buffer.from(Array.from({ length: 1 + int(rand, 16) }, () => (rand() < 0.5 ? pick(rand, INTERESTING_BYTES) : int(rand, 256))));
      return Buffer.concat([b.subarray(0, o), ins, b.subarray(o)]);
    }
    case 5: {
      const o = at();
      return Buffer.concat([b.subarray(0, o), b.subarray(Math.min(b.length, o + 1 + int(rand, 32)))]);
    }
    case 6: {
      // Repeat a slice: repeated structure (elements, frames, nesting openers).
      const o = at();
      const piece = b.subarray(o, Math.min(b.length, o + 1 + int(rand, 16)));
      const times = 2 + int(rand, rand() < 0.1 ? 2000 : 16);
      return Buffer.concat([b.subarray(0, o), ...Array<Buffer>(times).fill(piece), b.subarray(o)]);
    }
    case 7: {
      const other = pick(rand, corpus);
      const o = int(rand, other.length + 1);
      const piece = other.subarray(o, Math.min(other.length, o + 1 + int(rand, 64)));
      const p = at();
      return Buffer.concat([b.subarray(0, p), piece, b.subarray(p)]);
    }
    case 8:
      return b.subarray(0, int(rand, b.length + 1));
    default:
      return Buffer.concat([b, pick(rand, corpus)]);
  }
}

/** One to four mutations of a corpus entry. */
export function mutate(rand: Rand, corpus: readonly Buffer[]): Buffer {
  let b = pick(rand, corpus);
  for (let n = 1 + int(rand, 4); n > 0; n--) b = mutateOnce(rand, b, corpus);
  return b;
}
