import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../../actors/es/status.ts';

describe('RateMeter', () => {
  it('averages completed seconds over the window and forgets old ones', () => {
    let now = 1_000_000;
    const m = new RateMeter(5, () => now);
    for (let s = 0; s < 4; s++) {
      m.add(100);
      now += 1000;
    }
    expect(m.perSecond()).toBe(100);
    now += 10_000;
    expect(m.perSecond()).toBe(0);
  });
});
