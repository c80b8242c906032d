// Short fuzz run of every body codec and stream decoder, part of `npm test`.
// Replay or extend: FUZZ_SEED=<printed seed> FUZZ_ITERATIONS=<n> or FUZZ_SECONDS=<s>.
// Long runs: node bin/run-ts.mjs test/fuzz/long-run.ts --minutes N
import { describe, expect, it } from 'vitest';
import { BODY_TARGETS } from './body-targets.ts';
import { formatReport, runTarget } from './lib/engine.ts';
import { fuzzBudget } from './lib/options.ts';
import { STREAM_TARGETS } from './stream-targets.ts';

const budget = fuzzBudget('codecs', { seconds: 3 });

describe('codec fuzz (seeded, replayable)', () => {
  it.each([...BODY_TARGETS, ...STREAM_TARGETS].map((t) => [t.name, t] as const))('%s: no crash, no hang', (_name, target) => {
    const report = runTarget(target, budget);
    console.log(formatReport(report));
    expect(report.inputs).toBeGreaterThan(5);
    expect(report.failures).toEqual([]);
  });
});
