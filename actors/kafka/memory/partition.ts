import type { IncomingRecord } from '../driver.ts';

/** Records kept per partition; older ones are dropped like retention would (the log start moves up). */
export const RETAINED_RECORDS = 200_000;

export class MemoryPartition {
  /** Offset of log[0]. */
  start = 0;
  log: IncomingRecord[] = [];

  get end(): number {
    return this.start + this.log.length;
  }

  append(r: IncomingRecord): void {
    this.log.push(r);
    if (this.log.length >= RETAINED_RECORDS * 2) {
      this.log = this.log.slice(this.log.length - RETAINED_RECORDS);
      this.start = this.end - this.log.length;
    }
  }

  /** Records from `offset` on (clamped to the log start), at most `max` of them or `maxBytes` worth. */
  read(offset: number, max: number, maxBytes: number): IncomingRecord[] {
    const from = Math.max(offset, this.start) - this.start;
    const out: IncomingRecord[] = [];
    let bytes = 0;
    for (let i = from; i < this.log.length && out.length < max; i++) {
      const r = this.log[i]!;
      bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      if (bytes > maxBytes && out.length > 0) break;
      out.push(r);
    }
    return out;
  }
}
