// Hostile inputs built from the formats' own grammar: headers and counts that
// declare far more than the bytes behind them, values that expand, deep
// nesting. Shared by the codec unit tests and the fuzzers (test/fuzz/).

// ---- gob -------------------------------------------------------------------

/** gob uint: < 0x80 one byte, else the negated byte count and big-endian bytes. */
export function gobUint(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([256 - bytes.length, ...bytes]);
}

export const gobInt = (i: number): Buffer => gobUint(i >= 0 ? i * 2 : -i * 2 - 1);
const gobString = (s: string): Buffer => Buffer.concat([gobUint(Buffer.byteLength(s)), Buffer.from(s)]);
/** One gob message: its byte count, then its content. */
export const gobMessage = (...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([gobUint(body.length), body]);
};
const b = (...xs: number[]): Buffer => Buffer.from(xs);

/** CommonType{Name, Id} as the first field of a wire type. */
const common = (name: string, id: number): Buffer => Buffer.concat([b(1, 1), gobString(name), b(1), gobInt(id), b(0)]);

/** Type definition message: struct `name` with int fields named `fields`. */
export function gobStructDef(id: number, name: string, fields: readonly string[]): Buffer {
  const list = fields.map((f) => Buffer.concat([b(1), gobString(f), b(1), gobInt(2), b(0)]));
  const fieldPart = fields.length > 0 ? Buffer.concat([b(1), gobUint(fields.length), ...list]) : Buffer.alloc(0);
  return gobMessage(gobInt(-id), b(3), common(name, id), fieldPart, b(0, 0));
}

export const gobSliceDef = (id: number, elem: number): Buffer => gobMessage(gobInt(-id), b(2), common('', id), b(1), gobInt(elem), b(0, 0));

export const gobMapDef = (id: number, key: number, elem: number): Buffer =>
  gobMessage(gobInt(-id), b(4), common('', id), b(1), gobInt(key), b(1), gobInt(elem), b(0, 0));

/**
 * map[struct{}]struct{} whose value message declares `count` entries and then
 * ends: every empty-struct key and value would decode from zero bytes.
 * `padding` trailing bytes (ignored by a one-value decode) raise the bound a
 * decoder that counts the whole input, not the message, would allow.
 */
export function gobEmptyStructMapBomb(count: number, padding: number): Buffer {
  return Buffer.concat([
    gobStructDef(65, 'E', []),
    gobMapDef(66, 65, 65),
    gobMessage(gobInt(66), b(0), gobUint(count)),
    Buffer.alloc(padding),
  ]);
}

/** []S where S has `fields` int fields and every element is a one-byte zero struct. */
export function gobZeroStructSliceBomb(fields: number, elements: number): Buffer {
  const names = Array.from({ length: fields }, (_, i) => `F${i}`);
  return Buffer.concat([
    gobStructDef(65, 'S', names),
    gobSliceDef(66, 65),
    gobMessage(gobInt(66), b(0), gobUint(elements), Buffer.alloc(elements)),
  ]);
}

/** A value whose message declares `count` elements of []string but carries `have` one-byte strings. */
export function gobSliceCountLie(count: number, have: number): Buffer {
  return Buffer.concat([gobSliceDef(65, 6), gobMessage(gobInt(65), b(0), gobUint(count), Buffer.alloc(have))]);
}

// ---- msgpack ---------------------------------------------------------------

const u32 = (tag: number, n: number): Buffer => {
  const out = Buffer.alloc(5);
  out[0] = tag;
  out.writeUInt32BE(n >>> 0, 1);
  return out;
};

/** Headers declaring 4 GiB of array, map, str, bin and ext behind a few bytes. */
export const MSGPACK_HUGE_HEADERS: readonly Buffer[] = [
  Buffer.concat([u32(0xdd, 0xffffffff), b(0)]),
  Buffer.concat([u32(0xdf, 0xffffffff), b(0, 0)]),
  Buffer.concat([u32(0xdb, 0xffffffff), b(0x41)]),
  Buffer.concat([u32(0xc6, 0xffffffff), b(0x41)]),
  Buffer.concat([u32(0xc9, 0xffffffff), b(1, 0x41)]),
];

/** `depth` nested one-element arrays around nil. */
export const msgpackDeep = (depth: number): Buffer => Buffer.concat([Buffer.alloc(depth, 0x91), b(0xc0)]);

/** An array of `count` msgpackr "error" extension values: each builds an Error (with a stack) from 11 bytes. */
export function msgpackErrorFlood(count: number): Buffer {
  const one = Buffer.from([0xd4, 0x65, 0x00, 0x92, 0xa5, ...Buffer.from('Error'), 0xa1, 0x78]);
  return Buffer.concat([u32(0xdd, count), Buffer.concat(Array<Buffer>(count).fill(one))]);
}

/** Nested array32 headers each declaring what remains of the input. */
export function msgpackNestedClaims(levels: number): Buffer {
  const out = Buffer.alloc(levels * 5 + 1, 0xc0);
  for (let i = 0; i < levels; i++) {
    out[i * 5] = 0xdd;
    out.writeUInt32BE(out.length - i * 5 - 5, i * 5 + 1);
  }
  return out;
}

// ---- JSON ------------------------------------------------------------------

export const jsonDeep = (depth: number): Buffer => Buffer.from('['.repeat(depth) + ']'.repeat(depth));
export const jsonUnclosed = (depth: number): Buffer => Buffer.from('{"a":'.repeat(depth));
export const jsonManyEmpty = (count: number): Buffer => Buffer.from(`[${'{},'.repeat(count)}{}]`);
