import { describe, expect, it } from 'vitest';
import { RingQueue } from '../../../runtime/actor/ring-queue.ts';

describe('RingQueue', () => {
  it('is first in, first out across growth and wrap-around', () => {
    const q = new RingQueue<number>();
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7 + round; i++) {
        q.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < 5 + round; i++) expect(q.shift()).toBe(expected.shift());
      expect(q.length).toBe(expected.length);
    }
    while (expected.length > 0) expect(q.shift()).toBe(expected.shift());
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });
});
