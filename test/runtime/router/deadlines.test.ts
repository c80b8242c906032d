import { describe, expect, it } from 'vitest';
import { DeadlineRegistry, type DeadlineEntry, type DeadlineList } from '../../../runtime/router/deadlines.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

class Entry implements DeadlineEntry {
  deadline = 0;
  dlPrev: DeadlineEntry | null = null;
  dlNext: DeadlineEntry | null = null;
  dlList: DeadlineList | null = null;
  constructor(readonly n: number) {}
}

describe('deadline registry', () => {
  it('expires entries in deadline order across durations, with one timer', () => {
    const clock = new FakeClock();
    const expired: number[] = [];
    const reg = new DeadlineRegistry<Entry>((e) => expired.push(e.n), clock);
    reg.add(new Entry(1), 300);
    reg.add(new Entry(2), 100);
    clock.advance(50);
    reg.add(new Entry(3), 100); // due at 150
    reg.add(new Entry(4), 300);
    expect(clock.timers.size).toBe(1);
    clock.advance(60);
    expect(expired).toEqual([2]);
    clock.advance(50);
    expect(expired).toEqual([2, 3]);
    clock.advance(1000);
    expect(expired).toEqual([2, 3, 1, 4]);
    expect(reg.size).toBe(0);
    expect(reg.listCount).toBe(0);
    expect(clock.timers.size).toBe(0);
  });

  it('removing an entry means it never expires', () => {
    const clock = new FakeClock();
    const expired: number[] = [];
    const reg = new DeadlineRegistry<Entry>((e) => expired.push(e.n), clock);
    const a = new Entry(1);
    const b = new Entry(2);
    const c = new Entry(3);
    for (const e of [a, b, c]) reg.add(e, 100);
    reg.remove(b);
    reg.remove(b); // twice is harmless
    reg.remove(a);
    clock.advance(200);
    expect(expired).toEqual([3]);
  });

  it('copes with a million expired requests without leaking', () => {
    const clock = new FakeClock();
    let expired = 0;
    const reg = new DeadlineRegistry<Entry>(() => expired++, clock);
    const heapBefore = process.memoryUsage().heapUsed;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 100_000; i++) reg.add(new Entry(i), 30_000 + (i % 5));
      expect(clock.timers.size).toBe(1); // never a timer per request
      clock.advance(31_000);
    }
    expect(expired).toBe(1_000_000);
    expect(reg.size).toBe(0);
    expect(reg.listCount).toBe(0);
    global.gc?.();
    // nothing retained: heap within a few MB of where it started
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
  });
});
