// Document versions derived from the binlog, used as Elasticsearch external
// versions (index/delete) and as the partial-update guard.
//
//   version = floor(binlog time in seconds) × 2^30 + Kafka offset
//
// Why this shape:
// - Canal routes every change of a row to one partition (single-partition
//   topic, or partitionHash by primary key), so for one document the offset
//   grows in binlog order. `es` alone cannot order events: MySQL stamps
//   binlog events with whole seconds, so many share one `es`.
// - The sum is monotone in both terms, so within a partition a later event
//   always gets a larger version — exactly, no wrap-around — for any offset
//   below 2^63 − es·2^30 (≈ 7·10^18 today).
// - The time term keeps versions growing when a topic is recreated or the
//   binlog is replayed into a new topic whose offsets restart at 0: a newer
//   event wins as long as its second is later than the old offset / 2^30.
//   (Kafka-offset-only versions, as in the Kafka Connect ES sink, silently
//   drop every write after such a reset.)
// - The result fits Elasticsearch's signed 64-bit version until year 2242.
//
// Versions are exact integers past 2^53, so they are computed in BigInt and
// travel as decimal strings written straight into the bulk JSON.
import { eventTimeMs } from './canal.ts';

const SHIFT = 2n ** 30n;
const MAX_VERSION = 2n ** 63n - 1n;

export function binlogVersion(es: number, offset: string | number | bigint): string {
  const seconds = BigInt(Math.floor(eventTimeMs(es) / 1000));
  const v = seconds * SHIFT + BigInt(offset);
  if (v > MAX_VERSION) throw new RangeError(`version ${v} exceeds 2^63-1 (es=${es}, offset=${offset})`);
  return v.toString();
}

/** Numeric comparison of two version strings (for tests and diagnostics). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
