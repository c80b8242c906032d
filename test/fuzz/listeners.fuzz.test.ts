// Short listener-level fuzz run against a real daemon process, part of `npm test`.
// Replay or extend: FUZZ_SEED=<printed seed> FUZZ_SECONDS=<s>. Long runs: test/fuzz/long-run.ts.
import { describe, expect, it } from 'vitest';
import { fuzzBudget } from './lib/options.ts';
import { formatListenerReport, fuzzListeners } from './listener-fuzz.ts';

const budget = fuzzBudget('listeners', { seconds: 12 });

describe('listener fuzz (real daemon process, seeded)', () => {
  it('mutated streams on every listener: the daemon survives and keeps answering the probe', async () => {
    const seconds = Number.isFinite(budget.seconds) ? budget.seconds : 12;
    const r = await fuzzListeners(budget.seed, seconds);
    console.log(formatListenerReport(r));
    expect(r.crashes, r.output.slice(-2000)).toBe(0);
    expect(r.hangs).toBe(0);
    expect(r.inputs).toBeGreaterThan(20);
    expect(Object.values(r.byListener).every((n) => n > 0)).toBe(true);
  }, 120_000);
});
