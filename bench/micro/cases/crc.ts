// CRC-32 (Goridge header, where Node lacks zlib.crc32) and CRC-32C (Kafka
// record batches), slicing-by-8, against Node's native zlib.crc32 when present.
import zlib from 'node:zlib';
import { crc32, crc32c } from '../../../runtime/codec/crc32.ts';
import { keep, type MicroCase } from '../case.ts';

const HEADER = Buffer.from([0x15, 0x20, 0x10, 0, 0, 0]); // a Goridge header's first 6 bytes
const KIB = Buffer.alloc(1024, 0xa5);
const BATCH = Buffer.alloc(16 * 1024, 0x5a); // about 100 records of 100 B with their framing
const native = typeof zlib.crc32 === 'function' ? (b: Uint8Array): number => zlib.crc32(b) : null;

export const cases: MicroCase[] = [
  { name: 'CRC-32 of a 6 B Goridge header', ops: 1, run: () => keep(crc32(HEADER)) },
  { name: 'CRC-32 of 1 KiB', ops: 1, run: () => keep(crc32(KIB)) },
  { name: 'CRC-32C of 1 KiB', ops: 1, run: () => keep(crc32c(KIB)) },
  { name: 'CRC-32C of 16 KiB', ops: 1, run: () => keep(crc32c(BATCH)) },
  ...(native
    ? [
        { name: 'zlib.crc32 of a 6 B header (native, reference)', ops: 1, run: () => keep(native(HEADER)) },
        { name: 'zlib.crc32 of 1 KiB (native, reference)', ops: 1, run: () => keep(native(KIB)) },
      ]
    : []),
];
