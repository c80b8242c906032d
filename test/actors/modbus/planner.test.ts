import { describe, expect, it } from 'vitest';
import { type PlanInput, planReads, protocolMax } from '../../../actors/modbus/planner.ts';
import type { FunctionCode } from '../../../actors/modbus/spec.ts';
import { prng } from '../../helpers/prng.ts';

const hr = (address: number, quantity = 1, unitId = 1): PlanInput => ({ fn: 3, unitId, address, quantity });

describe('read planner', () => {
  it('merges neighbours within the gap and splits on function, unit id, gap and length', () => {
    const regs = [hr(10, 2), hr(0), hr(1), hr(30), hr(12, 1, 2), { fn: 1 as const, unitId: 1, address: 0, quantity: 1 }];
    const blocks = planReads(regs, { maxGap: 8 });
    expect(blocks.map((b) => [b.fn, b.unitId, b.start, b.count, b.items.map((i) => [i.index, i.offset])])).toEqual([
      [1, 1, 0, 1, [[5, 0]]],
      [3, 1, 0, 12, [[1, 0], [2, 1], [0, 10]]],
      [3, 1, 30, 1, [[3, 0]]],
      [3, 2, 12, 1, [[4, 0]]],
    ]);
    expect(planReads(regs, { maxGap: 0 }).filter((b) => b.fn === 3 && b.unitId === 1).map((b) => [b.start, b.count])).toEqual([
      [0, 2],
      [10, 2],
      [30, 1],
    ]);
    expect(planReads([hr(0), hr(5)], { maxGap: 100, maxLength: 5 }).length).toBe(2);
    expect(planReads([hr(0), hr(4)], { maxGap: 100, maxLength: 5 }).length).toBe(1);
  });

  it('handles overlapping registers and respects the protocol limit', () => {
    const b = planReads([hr(0, 4), hr(2, 2), hr(1)], { maxGap: 0 });
    expect(b).toEqual([{ fn: 3, unitId: 1, start: 0, count: 4, items: [{ index: 0, offset: 0 }, { index: 2, offset: 1 }, { index: 1, offset: 2 }] }]);
    const many = Array.from({ length: 300 }, (_, i) => hr(i));
    expect(planReads(many, { maxGap: 10, maxLength: 1000 }).map((x) => x.count)).toEqual([125, 125, 50]);
  });

  it('covers every register exactly once within every limit (seeded random layouts)', () => {
    const rand = prng(2024);
    for (let iter = 0; iter < 500; iter++) {
      const regs: PlanInput[] = Array.from({ length: 1 + Math.floor(rand() * 60) }, () => {
        const fn = (1 + Math.floor(rand() * 4)) as FunctionCode;
        const q = fn <= 2 ? 1 : 1 + Math.floor(rand() * 4);
        return { fn, unitId: Math.floor(rand() * 3), address: Math.floor(rand() * 600), quantity: q };
      });
      const maxGap = Math.floor(rand() * 40);
      const maxLength = rand() < 0.5 ? undefined : 4 + Math.floor(rand() * 200);
      const blocks = planReads(regs, { maxGap, maxLength });
      const seen = new Array<number>(regs.length).fill(0);
      for (const b of blocks) {
        expect(b.count).toBeLessThanOrEqual(Math.min(maxLength ?? Infinity, protocolMax(b.fn)));
        for (const it of b.items) {
          const r = regs[it.index]!;
          seen[it.index]!++;
          expect([r.fn, r.unitId]).toEqual([b.fn, b.unitId]);
          expect(b.start + it.offset).toBe(r.address);
          expect(it.offset + r.quantity).toBeLessThanOrEqual(b.count);
        }
      }
      expect(seen.every((n) => n === 1)).toBe(true);
    }
  });
});
