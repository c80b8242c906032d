import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { checkMsgpack } from '../../../runtime/codec/msgpack-check.ts';
import { MSGPACK_HUGE_HEADERS, msgpackDeep, msgpackErrorFlood, msgpackNestedClaims } from '../../helpers/hostile.ts';
import { prng } from '../../helpers/prng.ts';

const plain = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

function randomValue(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (depth > 4 || r < 0.4) {
    const leaves = [null, true, false, 0, -1, 127, -33, 255, 65_535, 2 ** 32, -(2 ** 40), 0.5, 2n ** 63n - 1n, '', 'é', 'x'.repeat(40), 'y'.repeat(300), 'z'.repeat(70_000), Buffer.from([1, 2, 3]), Buffer.alloc(300), new Date(1_700_000_000_123)];
    return leaves[Math.floor(rand() * leaves.length)];
  }
  const n = Math.floor(rand() * (rand() < 0.1 ? 40 : 6));
  if (r < 0.7) return Array.from({ length: n }, () => randomValue(rand, depth + 1));
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, randomValue(rand, depth + 1)]));
}

describe('checkMsgpack', () => {
  it('accepts every plain value msgpackr writes, and the timestamps Go writes', () => {
    const rand = prng(0x3a9);
    for (let i = 0; i < 500; i++) {
      const bytes = plain.pack(randomValue(rand));
      const refused = checkMsgpack(bytes);
      if (refused !== null) expect.fail(`${refused}: ${bytes.subarray(0, 64).toString('hex')}`);
    }
    // Go vmihailenco/msgpack time.Time: fixext 8, type -1; and ext 8 with 12 bytes.
    expect(checkMsgpack(Buffer.from('d7ff0000000065538f80', 'hex'))).toBeNull();
    expect(checkMsgpack(Buffer.from('c70cff000000000000000065538f80', 'hex'))).toBeNull();
    // what JavaScript encoders write for an undefined member: fixext 1, type 0, data 0
    expect(checkMsgpack(plain.pack({ a: 1, gone: undefined }))).toBeNull();
    expect(checkMsgpack(Buffer.from('d40001', 'hex'))).toMatch(/type 0 is not accepted/);
  });

  it('refuses headers that declare more than the bytes behind them', () => {
    for (const b of MSGPACK_HUGE_HEADERS) expect(checkMsgpack(b), b.toString('hex')).toMatch(/remain|past the end|not accepted/);
    expect(checkMsgpack(msgpackNestedClaims(10_000))).toMatch(/remain/);
  });

  it('refuses msgpackr-only extensions (error, bigint, set, records, clone references)', () => {
    expect(checkMsgpack(msgpackErrorFlood(10))).toMatch(/type 101 is not accepted/);
    const more = new Packr({ moreTypes: true, useBigIntExtension: true });
    for (const v of [new Set([1]), /a+/, new Uint16Array(4), new Error('x'), 2n ** 70n]) {
      expect(checkMsgpack(more.pack(v)), String(v)).toMatch(/not accepted/);
    }
    expect(checkMsgpack(new Packr({ useRecords: true }).pack([{ a: 1 }, { a: 2 }]))).toMatch(/not accepted/);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(checkMsgpack(new Packr({ structuredClone: true }).pack(cyclic))).toMatch(/not accepted/);
  });

  it('refuses trailing bytes, truncation and the reserved byte', () => {
    expect(checkMsgpack(Buffer.from([0x01, 0x02]))).toMatch(/after the value/);
    expect(checkMsgpack(Buffer.from([0x92, 0x01]))).toMatch(/remain/);
    expect(checkMsgpack(Buffer.from([0xa5, 0x41]))).toMatch(/past the end/);
    expect(checkMsgpack(Buffer.from([0xc1]))).toMatch(/reserved/);
    expect(checkMsgpack(Buffer.alloc(0))).toMatch(/remain/);
  });

  it('walks deep nesting without recursion', () => {
    expect(checkMsgpack(msgpackDeep(1_000_000))).toBeNull();
  });
});
