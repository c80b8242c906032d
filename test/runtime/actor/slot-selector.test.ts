import { describe, expect, it } from 'vitest';
import { SlotSelector, type SelectableSlot } from '../../../runtime/actor/slot-selector.ts';

const slot = (load: number, ready = true): SelectableSlot => ({ ready, load, pinnedKeys: 0 });

describe('SlotSelector', () => {
  it('picks the least loaded ready slot', () => {
    const s = new SlotSelector([slot(5), slot(2), slot(0, false), slot(3)]);
    expect(s.leastLoaded()).toBe(s.slots[1]);
  });

  it('falls back to the first slot when none is ready', () => {
    const s = new SlotSelector([slot(5, false), slot(2, false)]);
    expect(s.leastLoaded()).toBe(s.slots[0]);
  });

  it('keeps a key on one slot and spreads new keys over the slots with fewest keys', () => {
    const s = new SlotSelector([slot(0), slot(0), slot(0)]);
    const a = s.forKey('a');
    const b = s.forKey('b');
    const c = s.forKey('c');
    expect(new Set([a, b, c]).size).toBe(3);
    expect(s.forKey('a')).toBe(a);
    expect(s.forKey('b')).toBe(b);
  });

  it('bounds the key table: keys beyond it are placed by hash, stably, without growing memory', () => {
    const s = new SlotSelector([slot(0), slot(0)], 4);
    for (let i = 0; i < 1000; i++) s.forKey(`k${i}`);
    expect(s.tableSize).toBe(4);
    for (let i = 0; i < 1000; i++) expect(s.forKey(`k${i}`)).toBe(s.forKey(`k${i}`));
    const placed = new Set(Array.from({ length: 100 }, (_, i) => s.forKey(`x${i}`)));
    expect(placed.size).toBe(2);
  });
});
