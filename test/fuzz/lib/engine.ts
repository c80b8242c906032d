// Runs one fuzz target for a budget: mutated corpus entries and
// structure-aware hostile inputs, each timed. A contract broken or an
// exception is a crash; an input slower than its time allowance is a hang.
// Failing inputs are written to a file so they can be replayed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../../helpers/prng.ts';
import type { FuzzTarget } from '../body-targets.ts';
import { mutate } from './mutate.ts';
import { type FuzzBudget, subSeed } from './options.ts';

/**
 * CPU time an input may take before it counts as a hang: a fixed part plus
 * 10 µs a byte, several times what the slowest honest decode costs (JSON.parse
 * of deep nesting, about 0.35 µs a byte; the targets decode each input two to
 * four ways). CPU time, not wall time: a busy box slows the clock, not the work.
 */
export const allowanceMs = (bytes: number): number => 250 + bytes * 0.01;

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

const HOSTILE_SHARE = 0.15;
const MAX_RECORDED = 5;

export interface Failure {
  readonly iteration: number;
  readonly kind: 'crash' | 'hang';
  readonly detail: string;
  readonly bytes: number;
  /** The input, for replay (`node -e` it into the target, or rerun with the seed). */
  readonly file: string;
}

export interface TargetReport {
  readonly target: string;
  readonly seed: number;
  readonly inputs: number;
  readonly hostile: number;
  readonly bytes: number;
  /** CPU time of the slowest input, and its size. */
  readonly worstMs: number;
  readonly worstInputBytes: number;
  /** Wall time of the slowest input (load on the box included). */
  readonly worstWallMs: number;
  readonly crashes: number;
  readonly hangs: number;
  readonly failures: readonly Failure[];
  readonly peakRssMb: number;
  readonly seconds: number;
}

function save(target: string, seed: number, i: number, input: Buffer): string {
  const dir = join(tmpdir(), 'outrigger-fuzz');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${target}-${seed}-${i}.bin`);
  writeFileSync(file, input);
  return file;
}

export function runTarget(target: FuzzTarget, budget: FuzzBudget): TargetReport {
  const seed = subSeed(budget.seed, target.name);
  const rand = prng(seed);
  const t0 = performance.now();
  const deadline = t0 + budget.seconds * 1000;
  const failures: Failure[] = [];
  let inputs = 0;
  let hostile = 0;
  let bytes = 0;
  let worstMs = 0;
  let worstWallMs = 0;
  let worstInputBytes = 0;
  let crashes = 0;
  let hangs = 0;
  let peakRss = process.memoryUsage().rss;
  for (let i = 0; (budget.iterations === undefined || i < budget.iterations) && performance.now() < deadline; i++) {
    const isHostile = rand() < HOSTILE_SHARE;
    const input = isHostile ? target.hostile[Math.floor(rand() * target.hostile.length)]!(rand) : mutate(rand, target.corpus);
    inputs++;
    if (isHostile) hostile++;
    bytes += input.length;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let crash: string | null = null;
    try {
      target.run(input, rand);
    } catch (e) {
      crash = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    }
    const ms = cpuMsSince(cpuStart);
    worstWallMs = Math.max(worstWallMs, performance.now() - start);
    if (ms > worstMs) {
      worstMs = ms;
      worstInputBytes = input.length;
    }
    const hang = ms > allowanceMs(input.length);
    if (crash !== null) crashes++;
    if (hang) hangs++;
    if ((crash !== null || hang) && failures.length < MAX_RECORDED) {
      const detail = crash ?? `${ms.toFixed(0)} ms of CPU for ${input.length} bytes (allowance ${allowanceMs(input.length).toFixed(0)} ms)`;
      failures.push({ iteration: i, kind: crash !== null ? 'crash' : 'hang', detail, bytes: input.length, file: save(target.name, budget.seed, i, input) });
    }
    if ((i & 63) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    target: target.name,
    seed: budget.seed,
    inputs,
    hostile,
    bytes,
    worstMs,
    worstInputBytes,
    worstWallMs,
    crashes,
    hangs,
    failures,
    peakRssMb: peakRss / 2 ** 20,
    seconds: (performance.now() - t0) / 1000,
  };
}

export function formatReport(r: TargetReport): string {
  const head =
    `${r.target}: ${r.inputs} inputs (${r.hostile} hostile, ${(r.bytes / 2 ** 20).toFixed(1)} MiB) in ${r.seconds.toFixed(1)} s; ` +
    `crashes ${r.crashes}, hangs ${r.hangs}; worst ${r.worstMs.toFixed(1)} ms CPU (${r.worstInputBytes} bytes), ${r.worstWallMs.toFixed(0)} ms wall; ` +
    `peak RSS ${r.peakRssMb.toFixed(0)} MiB`;
  return [head, ...r.failures.map((f) => `  #${f.iteration} ${f.kind}: ${f.detail.slice(0, 400)} -> ${f.file}`)].join('\n');
}
