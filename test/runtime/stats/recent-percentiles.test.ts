import { describe, expect, it } from 'vitest';
import { RecentPercentiles } from '../../../runtime/stats/recent-percentiles.ts';

const ms = (n: number): number => n * 1e6;

describe('RecentPercentiles', () => {
  it('keeps its samples across reads within a window', () => {
    const r = new RecentPercentiles(60_000, 0);
    for (let i = 1; i <= 100; i++) r.record(ms(i));
    const first = r.percentiles([50, 99], 1_000);
    expect(first[0]).toBeCloseTo(50, 0);
    expect(r.percentiles([50, 99], 2_000)).toEqual(first);
  });

  it('keeps the previous window after one ends, and forgets both after two idle windows', () => {
    const r = new RecentPercentiles(60_000, 0);
    r.record(ms(10));
    expect(r.percentiles([50], 61_000)[0]).toBeCloseTo(10, 1);
    r.record(ms(30));
    expect(r.percentiles([99], 62_000)[0]).toBeCloseTo(30, 1);
    expect(r.percentiles([50], 125_000)).toEqual([expect.closeTo(30, 1)]);
    expect(r.percentiles([50], 300_000)).toEqual([0]);
  });

  it('is 0 with no samples', () => {
    expect(new RecentPercentiles().percentiles([50, 99])).toEqual([0, 0]);
  });
});
