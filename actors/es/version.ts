// Document versions derived from the binlog, used as Elasticsearch external
// versions (index/delete) and as the partial-update guard.
//
//   version = clock × 2^30 + Kafka offset
//   clock   = the latest binlog second (`es`) of any record up to this one in the partition
//
// Why this shape:
// - Canal routes every change of a row to one partition (single-partition
//   topic, or partitionHash by primary key) in binlog order, so for one
//   document a later offset is a later change.
// - `es` alone cannot order events, and not even its running order is
//   binlog order: MySQL stamps a row event with its statement's start time
//   but writes the binlog in commit order, so a statement that waited on a
//   lock, `SET TIMESTAMP` or a clock step gives a later event an earlier
//   `es`. The clock only moves forward, so the version grows strictly with
//   the offset within a partition, whatever the timestamps do.
// - The clock term keeps versions growing when a topic is recreated or the
//   binlog is replayed into a new topic whose offsets restart at 0: a newer
//   event wins as long as its second is later than the old clock plus the old
//   offset / 2^30. (Kafka-offset-only versions, as in the Kafka Connect ES
//   sink, silently drop every write after such a reset.)
// - A redelivered record must get the version it had the first time (the
//   cluster then accepts it again as a no-op rewrite). The clock at a record
//   depends on every earlier record of the partition, so each offset commit
//   carries the clock at the committed position in its metadata, and a
//   consumer that starts from a committed offset starts its clock there (see
//   clockMetadata). Records re-read after a crash or a rebalance therefore get
//   exactly their first versions.
// - Exact integers past 2^53, so BigInt, sent as decimal strings written
//   straight into the bulk JSON; they fit Elasticsearch's signed 64-bit
//   version until year 2242.
import { eventTimeMs } from './canal.ts';

const SHIFT = 2n ** 30n;
const MAX_VERSION = 2n ** 63n - 1n;

/** The version of the record at `offset` when the partition's clock reads `seconds`. */
export function binlogVersion(seconds: number, offset: string | number | bigint): string {
  const v = BigInt(seconds) * SHIFT + BigInt(offset);
  if (v > MAX_VERSION) throw new RangeError(`version ${v} exceeds 2^63-1 (clock=${seconds} s, offset=${offset})`);
  return v.toString();
}

/** Binlog second of a Canal `es` (epoch ms, or seconds from some producers). */
export function binlogSecond(es: number): number {
  return Math.floor(eventTimeMs(es) / 1000);
}

/**
 * One partition's clock. `stamp` must see the partition's records in offset
 * order (each record once); `at` answers the clock in effect at a commit
 * position, which only moves forward.
 */
export class BinlogClock {
  #seconds: number;
  /** Base of the clock below the oldest mark: the value at the last position asked. */
  #base: number;
  /** [offset, clock after that record] of records stamped since the last position asked, in offset order. */
  #marks: number[] = [];
  #head = 0;

  constructor(startSeconds = 0) {
    this.#seconds = startSeconds;
    this.#base = startSeconds;
  }

  get seconds(): number {
    return this.#seconds;
  }

  /** Advances the clock over the record at `offset` with binlog time `es` and returns its version. */
  stamp(offset: number, es: number): string {
    const s = binlogSecond(es);
    if (s > this.#seconds) this.#seconds = s;
    this.#marks.push(offset, this.#seconds);
    return binlogVersion(this.#seconds, offset);
  }

  /** The clock after every stamped record below `position` (what a consumer starting at `position` starts from). */
  at(position: number): number {
    const m = this.#marks;
    let h = this.#head;
    while (h < m.length && m[h]! < position) {
      this.#base = m[h + 1]!;
      h += 2;
    }
    if (h === m.length) {
      this.#marks = [];
      this.#head = 0;
    } else if (h > 2048 && h * 2 > m.length) {
      this.#marks = m.slice(h);
      this.#head = 0;
    } else this.#head = h;
    return this.#base;
  }
}

const METADATA_PREFIX = 'outrigger-es clock=';

/** Offset-commit metadata that carries the clock at the committed position. */
export function clockMetadata(seconds: number): string {
  return `${METADATA_PREFIX}${seconds}`;
}

/**
 * The clock a committed offset's metadata carries; 0 when it carries none (a
 * group's first start, or offsets committed by another tool): the clock then
 * starts from the records themselves, as every version did before the clock.
 */
export function clockFromMetadata(metadata: string | null | undefined): number {
  if (!metadata?.startsWith(METADATA_PREFIX)) return 0;
  const n = Number(metadata.slice(METADATA_PREFIX.length));
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** Numeric comparison of two version strings (for tests and diagnostics). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
