// Both polynomials against independent implementations: zlib's CRC-32 and
// kafkajs' byte-at-a-time CRC-32C, on random buffers and sub-ranges.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32c } from '../../../runtime/codec/crc32.ts';
import { prng, randomBytes } from '../../helpers/prng.ts';

const require = createRequire(import.meta.url);
const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

describe('crc32 (IEEE, the Goridge header fallback)', () => {
  it('equals zlib.crc32 and the spec values', () => {
    const rnd = prng(7);
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(Array.from({ length: i % 40 }, () => Math.floor(rnd() * 256)));
      expect(crc32(b)).toBe(zlib.crc32(b));
    }
    expect(crc32(Buffer.from('15080e000000', 'hex'))).toBe(0x32760e79);
  });
});

describe('crc32c', () => {
  it('matches the standard check value and kafkajs on random buffers and offsets', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const rand = prng(9);
    for (let n = 0; n < 200; n++) {
      const b = randomBytes(rand, Math.floor(rand() * 3000));
      const start = Math.floor(rand() * Math.min(b.length, 17));
      expect(crc32c(b, start)).toBe(kafkajsCrc(b.subarray(start)));
    }
  });
});
