// Seed and budget of a fuzz run, from the environment, so any run can be
// replayed (FUZZ_SEED) or extended (FUZZ_ITERATIONS or FUZZ_SECONDS).
import { randomInt } from 'node:crypto';

export interface FuzzBudget {
  readonly seed: number;
  /** Stop after this many inputs per target (replay: the first N inputs of a seed are always the same)... */
  readonly iterations: number | undefined;
  /** ...or after this many seconds per target, whichever comes first. */
  readonly seconds: number;
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v} is not a non-negative number`);
  return n;
}

/** The budget for one run: env overrides the defaults; the seed is printed so a failure can be replayed. */
export function fuzzBudget(name: string, defaults: { seconds: number; iterations?: number }): FuzzBudget {
  const seed = envNumber('FUZZ_SEED') ?? randomInt(2 ** 31);
  const iterations = envNumber('FUZZ_ITERATIONS') ?? defaults.iterations;
  const seconds = envNumber('FUZZ_SECONDS') ?? (envNumber('FUZZ_ITERATIONS') !== undefined ? Infinity : defaults.seconds);
  console.log(`[fuzz] ${name}: FUZZ_SEED=${seed}${iterations !== undefined ? ` FUZZ_ITERATIONS=${iterations}` : ''} FUZZ_SECONDS=${seconds}`);
  return { seed, iterations, seconds };
}

/** A seed for one target derived from the run's seed, so targets do not share a sequence. */
export function subSeed(seed: number, label: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x9e3779b1) >>> 0;
  return h;
}
