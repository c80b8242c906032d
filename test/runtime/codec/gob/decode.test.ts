// Work bounds of the gob decoder: what a count or a type declares may not set
// the work, only the bytes that carry it.
import { describe, expect, it } from 'vitest';
import { type GobStructType, GOB_INT, decodeGob, decodeGobStream, encodeGob, sliceOf } from '../../../../runtime/codec/gob.ts';
import { gobEmptyStructMapBomb, gobSliceCountLie, gobZeroStructSliceBomb } from '../../../helpers/hostile.ts';

function refusedQuickly(body: Buffer, re: RegExp, ms = 2000): void {
  const t0 = performance.now();
  const r = decodeGob(body);
  const took = performance.now() - t0;
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error.code).toBe('GOB_MALFORMED');
    expect(r.error.message).toMatch(re);
    // A value, not an Error: refusing hostile bytes captures no stack.
    expect(r.error).not.toBeInstanceOf(Error);
  }
  expect(took).toBeLessThan(ms);
}

describe('gob decoder: element counts are bounded by the bytes that carry them', () => {
  it('refuses a map[struct{}]struct{} whose declared entries would decode from zero bytes', () => {
    // 2^20 entries declared, none sent; the padding after the message made the old bound allow it.
    refusedQuickly(gobEmptyStructMapBomb(1 << 20, 2 << 20), /decoding map: size exceeds input size/, 200);
  });

  it('still decodes empty-struct maps and slices whose entries are sent', () => {
    const E: GobStructType = { kind: 'struct', name: 'E', fields: [] };
    const m = decodeGob(encodeGob(new Map([[1, {}], [2, {}]]), { kind: 'map', key: GOB_INT, elem: E }));
    expect(m.ok && m.value).toEqual(new Map([[1, {}], [2, {}]]));
    const s = decodeGob(encodeGob([{}, {}, {}], sliceOf(E)));
    expect(s.ok && s.value).toEqual([{}, {}, {}]);
  });

  it('refuses a slice count beyond the input before reading any element', () => {
    refusedQuickly(gobSliceCountLie(1e9, 10), /element count 1000000000 out of range/, 200);
    refusedQuickly(gobSliceCountLie(11, 10), /length exceeds input size/, 200);
  });
});

describe('gob decoder: values may not expand past a budget proportional to the input', () => {
  it('refuses one-byte zero structs of a type with many fields', () => {
    // 8192 elements of a 1000-field struct: 8M fields from about 20 KB.
    refusedQuickly(gobZeroStructSliceBomb(1000, 8192), /expands past \d+ fields and elements \(at most 4 per input byte/);
  });

  it('never past 2^20 fields and elements, however large the body (a 16 MiB body once had 64M)', () => {
    // 4M one-byte zero structs of a 2000-field type: within 4 per byte, far past the absolute cap.
    const bomb = gobZeroStructSliceBomb(2000, 4 << 20);
    const t0 = performance.now();
    const r = decodeGob(bomb);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/expands past 1048576 fields and elements/);
    // 1M units cost ~0.7 s on the project's VM; the per-byte budget alone allowed 16M here (seconds, GBs).
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('the same in a stream of values sharing one budget', () => {
    const r = decodeGobStream(gobZeroStructSliceBomb(1000, 8192));
    expect(r.ok).toBe(false);
  });

  it('decodes zero structs within the budget, every field given its zero value', () => {
    const r = decodeGob(gobZeroStructSliceBomb(50, 1_000));
    expect(r.ok).toBe(true);
    const v = r.ok ? (r.value as Record<string, number>[]) : [];
    expect(v).toHaveLength(1_000);
    expect(Object.keys(v[999]!)).toHaveLength(50);
    expect(v[0]!.F49).toBe(0);
  });
});
