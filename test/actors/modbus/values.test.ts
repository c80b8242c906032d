import { describe, expect, it } from 'vitest';
import { parseRegisterSpec, type RegisterSpec, type ValueType } from '../../../actors/modbus/spec.ts';
import { decodeBit, decodeRegisters, encodeRegisters, float32Shortest, valueJson } from '../../../actors/modbus/values.ts';
import { prng } from '../../helpers/prng.ts';

const DEFAULTS = { device_id: 1, byte_order: 'big', word_order: 'big', on_change: false } as const;

function reg(type: ValueType, extra: Record<string, unknown> = {}): RegisterSpec {
  return parseRegisterSpec({ key: 'k', address: 0, type, ...extra }, DEFAULTS, 'r');
}

function wire(words: number[]): Buffer {
  const b = Buffer.alloc(words.length * 2 + 4); // value at offset 4: decoding honours offsets
  words.forEach((w, i) => b.writeUInt16BE(w, 4 + i * 2));
  return b;
}

const ORDERS = [
  ['ABCD', 'big', 'big'],
  ['CDAB', 'big', 'little'],
  ['BADC', 'little', 'big'],
  ['DCBA', 'little', 'little'],
] as const;

describe('register byte and word order', () => {
  it('matches the ABCD/CDAB/BADC/DCBA vectors for int32 and float32', () => {
    const expectWords = {
      ABCD: [0x0102, 0x0304],
      CDAB: [0x0304, 0x0102],
      BADC: [0x0201, 0x0403],
      DCBA: [0x0403, 0x0201],
    };
    const f32 = { ABCD: [0x3fc0, 0], CDAB: [0, 0x3fc0], BADC: [0xc03f, 0], DCBA: [0, 0xc03f] };
    for (const [name, byte_order, word_order] of ORDERS) {
      const i32 = reg('int32', { byte_order, word_order });
      expect(encodeRegisters(i32, 0x01020304)).toEqual(expectWords[name]);
      expect(decodeRegisters(i32, wire(expectWords[name]), 4)).toBe(0x01020304);
      const f = reg('float32', { byte_order, word_order });
      expect(encodeRegisters(f, 1.5)).toEqual(f32[name]);
      expect(decodeRegisters(f, wire(f32[name]), 4)).toBe(1.5);
    }
  });

  it('round-trips every type in every order (seeded random values)', () => {
    const rand = prng(42);
    const gen: Record<Exclude<ValueType, 'string' | 'bool'>, () => number | bigint> = {
      int16: () => Math.floor(rand() * 65536) - 32768,
      uint16: () => Math.floor(rand() * 65536),
      int32: () => Math.floor(rand() * 2 ** 32) - 2 ** 31,
      uint32: () => Math.floor(rand() * 2 ** 32),
      int64: () => BigInt(Math.floor(rand() * 2 ** 53)) * 1024n - 2n ** 62n,
      uint64: () => BigInt(Math.floor(rand() * 2 ** 53)) * 2048n,
      float32: () => Math.fround((rand() - 0.5) * 1e6),
      float64: () => (rand() - 0.5) * 1e300,
    };
    for (const [type, g] of Object.entries(gen)) {
      for (const [, byte_order, word_order] of ORDERS) {
        const r = reg(type as ValueType, { byte_order, word_order });
        for (let i = 0; i < 200; i++) {
          const v = g();
          const back = decodeRegisters(r, wire(encodeRegisters(r, v)), 4);
          if (type === 'float32') expect(Math.fround(back as number)).toBe(v);
          else if (typeof v === 'bigint') expect(BigInt(back as number | bigint)).toBe(v);
          else expect(back).toBe(v);
        }
      }
    }
  });

  it('keeps 64-bit integers exact beyond 2^53 and prints them as digits', () => {
    const r = reg('uint64');
    const v = 18446744073709551615n;
    const back = decodeRegisters(r, wire(encodeRegisters(r, v)), 4);
    expect(back).toBe(v);
    expect(valueJson(back)).toBe('18446744073709551615');
    expect(decodeRegisters(reg('int64'), wire(encodeRegisters(reg('int64'), -5)), 4)).toBe(-5);
  });

  it('decodes strings two characters per register, NUL-terminated, with byte order', () => {
    const big = reg('string', { quantity: 4 });
    expect(encodeRegisters(big, 'ABC')).toEqual([0x4142, 0x4300, 0, 0]);
    expect(decodeRegisters(big, wire([0x4142, 0x4300, 0, 0]), 4)).toBe('ABC');
    const little = reg('string', { quantity: 2, byte_order: 'little' });
    expect(decodeRegisters(little, wire([0x4241, 0x4443]), 4)).toBe('ABCD');
    expect(encodeRegisters(little, 'ABCD')).toEqual([0x4241, 0x4443]);
    expect(decodeRegisters(reg('string', { quantity: 3 }), wire(encodeRegisters(reg('string', { quantity: 3 }), '°C温')), 4)).toBe('°C温');
    expect(() => encodeRegisters(big, 'too long for 8')).toThrow(expect.objectContaining({ code: 'MODBUS_VALUE_OUT_OF_RANGE' }));
  });

  it('decodes bools from registers (any bit, or one bit) and from packed bit responses', () => {
    expect(decodeRegisters(reg('bool', { function: 3 }), wire([0x0100]), 4)).toBe(true);
    expect(decodeRegisters(reg('bool', { function: 3 }), wire([0]), 4)).toBe(false);
    expect(decodeRegisters(reg('bool', { function: 3, bit: 8 }), wire([0x0100]), 4)).toBe(true);
    expect(decodeRegisters(reg('bool', { function: 3, bit: 0 }), wire([0x0100]), 4)).toBe(false);
    expect(decodeRegisters(reg('bool', { function: 4, bit: 0, byte_order: 'little' }), wire([0x0100]), 4)).toBe(true);
    const packed = Buffer.from([0b1001_0101, 0b0000_0010]);
    expect([0, 1, 2, 3, 4, 7, 8, 9].map((i) => decodeBit(packed, i))).toEqual([true, false, true, false, true, true, false, true]);
  });

  it('applies scale and offset both ways without binary noise', () => {
    const r = reg('int16', { scale: 0.1, offset: -40 });
    expect(decodeRegisters(r, wire([653]), 4)).toBe(25.3);
    expect(encodeRegisters(r, 25.3)).toEqual([653]);
    const f = reg('float32', { scale: 0.1 });
    expect(decodeRegisters(f, wire(encodeRegisters(f, 25.5)), 4)).toBe(25.5);
  });

  it('refuses values that do not fit the type', () => {
    expect(() => encodeRegisters(reg('uint16'), 70000)).toThrow(expect.objectContaining({ code: 'MODBUS_VALUE_OUT_OF_RANGE' }));
    expect(() => encodeRegisters(reg('int16'), -32769)).toThrow(expect.objectContaining({ code: 'MODBUS_VALUE_OUT_OF_RANGE' }));
    expect(() => encodeRegisters(reg('float32'), 1e39)).toThrow(expect.objectContaining({ code: 'MODBUS_VALUE_OUT_OF_RANGE' }));
    expect(() => encodeRegisters(reg('int32'), 'x')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }));
    expect(() => encodeRegisters(reg('bool', { function: 3, bit: 2 }), true)).toThrow(expect.objectContaining({ code: 'MODBUS_NOT_WRITABLE' }));
  });

  it('prints float32 with the shortest digits that read back the same', () => {
    expect(float32Shortest(Math.fround(0.1))).toBe(0.1);
    expect(float32Shortest(Math.fround(25.3))).toBe(25.3);
    expect(float32Shortest(Math.fround(16777217))).toBe(16777216);
    expect(valueJson(NaN)).toBe('null');
    expect(valueJson('a"b')).toBe('"a\\"b"');
  });
});
