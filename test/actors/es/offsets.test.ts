import { describe, expect, it } from 'vitest';
import { OffsetTracker, PartitionWatermark } from '../../../actors/es/offsets.ts';

describe('PartitionWatermark', () => {
  it('commits only past contiguous finished offsets', () => {
    const w = new PartitionWatermark();
    for (const o of [5, 6, 7, 9]) w.begin(o);
    expect(w.committable()).toBeNull();
    w.finish(6);
    w.finish(7);
    expect(w.committable()).toBeNull(); // 5 still open
    w.finish(5);
    expect(w.committable()).toBe(8);
    w.markCommitted(8);
    expect(w.committable()).toBeNull();
    w.finish(9); // gap at 8 (compacted or a transaction marker) does not hold it back
    expect(w.committable()).toBe(10);
    expect(w.pending).toBe(0);
  });

  it('refuses to begin an offset twice or go backwards', () => {
    const w = new PartitionWatermark();
    w.begin(1);
    expect(() => w.begin(1)).toThrow(RangeError);
    w.finish(1);
    expect(() => w.begin(0)).toThrow(RangeError);
    w.begin(2);
  });

  it('stays correct over many out-of-order finishes (seeded)', () => {
    const w = new PartitionWatermark();
    let s = 7;
    const rand = (): number => ((s = (s * 48271) % 2147483647) / 2147483647);
    const open: number[] = [];
    let next = 0;
    const finished = new Set<number>();
    for (let i = 0; i < 20000; i++) {
      if (rand() < 0.55) {
        w.begin(next);
        open.push(next++);
      } else if (open.length > 0) {
        const o = open.splice(Math.floor(rand() * open.length), 1)[0]!;
        finished.add(o);
        w.finish(o);
      }
      const c = w.committable();
      if (c !== null) {
        for (let k = 0; k < c; k++) expect(finished.has(k)).toBe(true);
        w.markCommitted(c);
      }
    }
  });
});

describe('OffsetTracker', () => {
  it('ignores acknowledgements from an older consumer generation', () => {
    const t = new OffsetTracker();
    const g0 = t.generation;
    t.partition('t', 0).begin(0);
    t.reset(); // rebalance: Kafka redelivers from the committed offset
    t.finish(g0, 't', 0, 0);
    expect(t.committable()).toEqual([]);
    t.partition('t', 0).begin(0);
    t.finish(t.generation, 't', 0, 0);
    expect(t.committable()).toEqual([{ topic: 't', partition: 0, offset: 1 }]);
  });
});
