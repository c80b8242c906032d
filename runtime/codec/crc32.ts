// Reflected CRC-32 checksums, table-driven with slicing-by-8 (eight bytes per
// step through eight 256-entry tables, several times faster in V8 than a byte
// loop). Two polynomials are in use: IEEE 802.3 (Goridge's 6-byte header CRC:
// cheaper here than zlib.crc32, which needs a view and a call into C++ per
// header) and Castagnoli (a Kafka record batch's CRC-32C; Node 20 has no
// native one). Pure: no I/O.

/** Computes CRC-32 with reflected polynomial `poly` over bytes [start, end) of `buf`; unsigned. */
export type Crc32 = (buf: Uint8Array, start?: number, end?: number) => number;

function tables(poly: number): Int32Array[] {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  const t0 = t[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!;
    for (let s = 1; s < 8; s++) {
      c = t0[c & 0xff]! ^ (c >>> 8);
      t[s]![n] = c;
    }
  }
  return t;
}

export function reflectedCrc32(poly: number): Crc32 {
  const [T0, T1, T2, T3, T4, T5, T6, T7] = tables(poly) as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  return (buf, start = 0, end = buf.length) => {
    let crc = -1;
    let i = start;
    for (const stop = end - 7; i < stop; i += 8) {
      const lo = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
      crc =
        T7[lo & 0xff]! ^
        T6[(lo >>> 8) & 0xff]! ^
        T5[(lo >>> 16) & 0xff]! ^
        T4[lo >>> 24]! ^
        T3[buf[i + 4]!]! ^
        T2[buf[i + 5]!]! ^
        T1[buf[i + 6]!]! ^
        T0[buf[i + 7]!]!;
    }
    for (; i < end; i++) crc = T0[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
    return (crc ^ -1) >>> 0;
  };
}

/** CRC-32 (IEEE 802.3, zlib's). */
export const crc32 = reflectedCrc32(0xedb88320);
/** CRC-32C (Castagnoli). */
export const crc32c = reflectedCrc32(0x82f63b78);
