/*
 * Checks a msgpack body before msgpackr decodes it. Pure, one pass, no
 * allocation: it walks the value's headers without building anything.
 *
 * msgpackr already refuses a str/bin/array/map length longer than the bytes
 * left. What it also does, and no PHP or Go client needs, is decode its own
 * extension types: each "error" extension builds an Error with a stack from
 * 11 bytes (a 6 MB body of them cost 7.5 s and 390 MB), "bigint" turns 16 MiB
 * into one huge integer, "structured clone" references build cycles, and
 * records, Sets, RegExps and typed arrays turn params into things handlers do
 * not expect. PHP's msgpack extension and Go's vmihailenco/msgpack send plain
 * msgpack plus, from Go, the timestamp extension (type -1), so that is the one
 * extension accepted, besides the 3 bytes d4 00 00 JavaScript encoders
 * (msgpackr among them) write for `undefined`, which decode to nothing. Every value must also start inside the body: a header
 * declaring more values than bytes remain is refused here, before any of it
 * is allocated.
 */

const TIMESTAMP_EXT = 0xff; // type -1

// Bytes after the type byte of each fixed-size token 0xc0..0xdf (-1: handled in the switch).
const FIXED: readonly number[] = [
  0, -1, 0, 0, -1, -1, -1, -1, -1, -1, 4, 8, 1, 2, 4, 8, // c0..cf
  1, 2, 4, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, // d0..df
];

/** Why the body is refused, or null when msgpackr may decode it. */
export function checkMsgpack(b: Uint8Array): string | null {
  const end = b.length;
  let pos = 0;
  let pending = 1; // values still to read
  while (pending > 0) {
    const left = end - pos;
    if (left < pending) return left < 0 ? pastEnd(-left) : `declares ${pending} more values but ${left} bytes remain`;
    const t = b[pos++]!;
    pending--;
    if (t < 0x80 || t >= 0xe0) continue; // fixint
    if (t < 0x90) pending += (t & 0x0f) * 2; // fixmap
    else if (t < 0xa0) pending += t & 0x0f; // fixarray
    else if (t < 0xc0) pos += t & 0x1f; // fixstr
    else {
      const fixed = FIXED[t - 0xc0]!;
      if (fixed >= 0) {
        pos += fixed;
        continue;
      }
      if (t === 0xc1) return 'reserved byte 0xc1';
      let n: number;
      switch (t) {
        case 0xc4:
        case 0xd9:
          n = b[pos] ?? 0;
          pos += 1 + n;
          break;
        case 0xc5:
        case 0xda:
          pos += 2 + u16(b, pos);
          break;
        case 0xc6:
        case 0xdb:
          pos += 4 + u32(b, pos);
          break;
        case 0xdc:
          pending += u16(b, pos);
          pos += 2;
          break;
        case 0xdd:
          pending += u32(b, pos);
          pos += 4;
          break;
        case 0xde:
          pending += 2 * u16(b, pos);
          pos += 2;
          break;
        case 0xdf:
          pending += 2 * u32(b, pos);
          pos += 4;
          break;
        case 0xc7:
        case 0xc8:
        case 0xc9: {
          const w = t === 0xc7 ? 1 : t === 0xc8 ? 2 : 4;
          n = w === 1 ? (b[pos] ?? 0) : w === 2 ? u16(b, pos) : u32(b, pos);
          const type = b[pos + w];
          if (type !== TIMESTAMP_EXT) return extRefused(type);
          pos += w + 1 + n;
          break;
        }
        default: {
          // 0xd4..0xd8: fixext 1, 2, 4, 8, 16
          const type = b[pos];
          const jsUndefined = t === 0xd4 && type === 0 && b[pos + 1] === 0;
          if (type !== TIMESTAMP_EXT && !jsUndefined) return extRefused(type);
          pos += 1 + (1 << (t - 0xd4));
        }
      }
    }
  }
  if (pos > end) return pastEnd(pos - end);
  // msgpackr would refuse them too, but only after decoding the value and JSON-encoding it for its message.
  return pos < end ? `${end - pos} bytes after the value` : null;
}

function pastEnd(n: number): string {
  return `a value runs ${n} bytes past the end`;
}

function u16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) * 0x1000000 + (((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0));
}

function extRefused(type: number | undefined): string {
  if (type === undefined) return 'an extension header runs past the end';
  return `msgpack extension type ${type > 127 ? type - 256 : type} is not accepted (only the timestamp, -1)`;
}
