import { describe, expect, it } from 'vitest';
import { bulkLines } from '../../../actors/es/bulk-body.ts';
import { BinlogClock, binlogVersion, clockFromMetadata, clockMetadata, compareVersions } from '../../../actors/es/version.ts';

const T = 1_589_373_546; // a binlog second
const ms = (s: number): number => s * 1000;

/** Versions of a partition's records (offset, es in ms) through one clock started at `start`. */
function stampAll(records: [number, number][], start = 0): string[] {
  const clock = new BinlogClock(start);
  return records.map(([offset, es]) => clock.stamp(offset, es));
}

function increasing(vs: string[]): boolean {
  return vs.every((v, i) => i === 0 || compareVersions(vs[i - 1]!, v) < 0);
}

describe('binlogVersion', () => {
  it('is clock × 2^30 + offset, exact past 2^53', () => {
    expect(binlogVersion(T, 10)).toBe((BigInt(T) * 2n ** 30n + 10n).toString());
    expect(BigInt(binlogVersion(T, 2 ** 40))).toBeGreaterThan(2n ** 53n);
    expect(BigInt(binlogVersion(T, 2 ** 40)) - BigInt(binlogVersion(T, 2 ** 40 - 1))).toBe(1n);
    expect(binlogVersion(T, '123')).toBe(binlogVersion(T, 123));
  });

  it('refuses versions beyond a signed 64-bit long', () => {
    expect(() => binlogVersion(T, 8n * 10n ** 18n)).toThrow(RangeError);
  });
});

describe('BinlogClock', () => {
  it('orders events of one second by offset (MySQL binlog time has 1 s resolution)', () => {
    const [a, b] = stampAll([[10, ms(T)], [11, ms(T) + 999]]);
    expect(compareVersions(a!, b!)).toBe(-1);
  });

  it('grows with the offset when timestamps step back, repeat and jump (statement start time, SET TIMESTAMP, clock steps)', () => {
    const es = [T + 1, T, T, T - 3600, T + 86_400, T + 2, T + 2, T + 86_400, T + 86_399, 0].map(ms);
    const vs = stampAll(es.map((e, i) => [100 + i, e]));
    expect(increasing(vs)).toBe(true);
    // The second update of a row at T after one at T+1 s (the defect): it must win.
    expect(compareVersions(vs[1]!, vs[0]!)).toBe(1);
  });

  it('stays increasing over a long seeded random walk of timestamps, with offset gaps', () => {
    let s = 12345;
    const rand = (): number => ((s = (s * 48271) % 2147483647) / 2147483647);
    const records: [number, number][] = [];
    let offset = 0;
    let t = ms(T);
    for (let i = 0; i < 20_000; i++) {
      offset += 1 + (rand() < 0.05 ? Math.floor(rand() * 100) : 0); // compaction and transaction markers leave holes
      t += Math.floor((rand() - 0.45) * 60_000); // mostly forward, often back
      records.push([offset, Math.max(0, t)]);
    }
    expect(increasing(stampAll(records))).toBe(true);
  });

  it('accepts es in seconds like es in ms', () => {
    expect(new BinlogClock().stamp(5, T)).toBe(new BinlogClock().stamp(5, ms(T)));
  });

  it('answers the clock in effect at a commit position, and a consumer starting there re-stamps identical versions', () => {
    const records: [number, number][] = [[0, ms(T + 5)], [1, ms(T + 9)], [2, ms(T + 1)], [4, ms(T + 3)], [5, ms(T + 20)], [6, ms(T + 2)]];
    const first = new BinlogClock();
    const vs = records.map(([o, e]) => first.stamp(o, e));
    expect(first.at(0)).toBe(0);
    expect(first.at(2)).toBe(T + 9); // after offsets 0 and 1
    expect(first.at(3)).toBe(T + 9); // offset 3 is a hole
    expect(first.at(4)).toBe(T + 9);
    // A restart from each committed position, with the clock the commit carried, gives every re-read record its first version.
    for (const pos of [4, 5, 6, 7]) {
      const probe = new BinlogClock();
      records.forEach(([o, e]) => probe.stamp(o, e));
      const again = new BinlogClock(clockFromMetadata(clockMetadata(probe.at(pos))));
      const rest = records.filter(([o]) => o >= pos).map(([o, e]) => again.stamp(o, e));
      expect(rest).toEqual(vs.slice(vs.length - rest.length));
    }
    // Positions only move forward; asking the same one again answers the same.
    expect(first.at(6)).toBe(T + 20);
    expect(first.at(6)).toBe(T + 20);
  });

  it('without the committed clock (offsets committed by another tool) a re-read never gets a higher version than the first time', () => {
    const records: [number, number][] = [[0, ms(T + 50)], [1, ms(T + 1)], [2, ms(T + 2)]];
    const first = stampAll(records);
    const reread = stampAll(records.slice(1));
    reread.forEach((v, i) => expect(compareVersions(v, first[i + 1]!)).toBeLessThanOrEqual(0));
  });

  it('a recreated topic (offsets restart at 0) keeps newer events ahead: the new clock starts from their later seconds', () => {
    const old = stampAll([[5_000_000, ms(T)]]);
    const fresh = stampAll([[0, ms(T + 1)]]);
    expect(compareVersions(fresh[0]!, old[0]!)).toBe(1);
  });

  it('keeps its memory bounded by the records since the last commit position', () => {
    const c = new BinlogClock();
    for (let o = 0; o < 100_000; o++) {
      c.stamp(o, ms(T));
      if (o % 100 === 99) c.at(o);
    }
    expect(c.at(100_000)).toBe(T);
  });
});

describe('clock metadata', () => {
  it('round-trips, and reads 0 from anything it did not write', () => {
    expect(clockFromMetadata(clockMetadata(T))).toBe(T);
    for (const m of [null, undefined, '', 'something else', 'outrigger-es clock=', 'outrigger-es clock=-5', 'outrigger-es clock=1e400']) expect(clockFromMetadata(m)).toBe(0);
  });
});

describe('bulk lines of a redelivered record', () => {
  it('are byte for byte the first delivery\'s, so the cluster accepts the rewrite as a no-op while the next event is newer', () => {
    const op = { action: 'index' as const, index: 'orders', id: '7', doc: { total: 3 } };
    const first = bulkLines({ op, version: binlogVersion(T, 123), source: 'shop.orders' }, '_cdc');
    const again = bulkLines({ op, version: binlogVersion(T, '123'), source: 'shop.orders' }, '_cdc');
    expect(again).toBe(first);
    expect(first).toContain(`"version":${binlogVersion(T, 123)},"version_type":"external_gte"`);
    expect(bulkLines({ op, version: binlogVersion(T, 124), source: 'shop.orders' }, '_cdc')).not.toBe(first);
  });
});
