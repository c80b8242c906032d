import { describe, expect, it } from 'vitest';
import { PartialBytes } from '../../../runtime/codec/partial-bytes.ts';
import { prng, randomBytes } from '../../helpers/prng.ts';

describe('PartialBytes', () => {
  it('gives back exactly the bytes appended, in order, for any mix of piece sizes', () => {
    const rand = prng(0x9a7);
    for (let round = 0; round < 200; round++) {
      const acc = new PartialBytes();
      const pieces: Buffer[] = [];
      for (let k = Math.floor(rand() * 12); k > 0; k--) {
        const size = [0, 1, 3, 100, 4095, 4096, 20_000, 70_000][Math.floor(rand() * 8)]!;
        // Some pieces are views into a larger buffer, as the tail of a socket read is.
        const host = randomBytes(rand, size * (rand() < 0.5 ? 1 : 3));
        const piece = host.subarray(0, size);
        pieces.push(Buffer.from(piece));
        acc.append(piece, rand() < 0.5 ? Infinity : pieces.reduce((s, p) => s + p.length, 0) + Math.floor(rand() * 100));
      }
      const want = Buffer.concat(pieces);
      expect(acc.length).toBe(want.length);
      expect(acc.take().equals(want)).toBe(true);
      expect(acc.length).toBe(0);
    }
  });

  it('keeps a large piece that owns its memory by reference (no copy when it is the whole)', () => {
    const acc = new PartialBytes();
    const piece = Buffer.alloc(64 * 1024, 1);
    acc.append(piece);
    expect(acc.take()).toBe(piece);
  });

  it('copies a short tail of a large read instead of pinning the whole read', () => {
    const read = Buffer.alloc(64 * 1024, 2);
    const acc = new PartialBytes();
    acc.append(read.subarray(read.length - 10));
    const out = acc.take();
    expect(out.buffer).not.toBe(read.buffer);
    expect(out.equals(Buffer.alloc(10, 2))).toBe(true);
  });

  it('holds a byte-by-byte trickle in a few staging buffers, not an object per byte', () => {
    const acc = new PartialBytes();
    const one = Buffer.from([0x41]);
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200_000; i++) acc.append(one);
    const grew = process.memoryUsage().heapUsed - heap0;
    expect(acc.length).toBe(200_000);
    // A Buffer object per byte would cost well over 10 MB of heap.
    expect(grew).toBeLessThan(4 * 1024 * 1024);
    expect(acc.take().equals(Buffer.alloc(200_000, 0x41))).toBe(true);
  });

  it('never stages more than the declared total still to come', () => {
    const acc = new PartialBytes();
    acc.append(Buffer.from('abc'), 5);
    acc.append(Buffer.from('de'), 5);
    expect(acc.take().toString()).toBe('abcde');
  });
});
