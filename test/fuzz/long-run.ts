/*
 * Long fuzz run of every codec target and of the listeners of a real daemon:
 *
 *   node bin/run-ts.mjs test/fuzz/long-run.ts --minutes 20 [--seed N] [--connections 6]
 *
 * Half the time goes to the codec targets (split evenly), half to the
 * listener fuzzer. Prints a Markdown summary (the table in docs/security.md)
 * and exits non-zero when anything crashed or hung. Failing codec inputs are
 * saved under $TMPDIR/outrigger-fuzz/ for replay.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { BODY_TARGETS } from './body-targets.ts';
import { formatReport, runTarget, type TargetReport } from './lib/engine.ts';
import { fuzzBudget } from './lib/options.ts';
import { formatListenerReport, fuzzListeners } from './listener-fuzz.ts';
import { STREAM_TARGETS } from './stream-targets.ts';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

const minutes = arg('minutes', 10);
if (process.argv.includes('--seed')) process.env.FUZZ_SEED = String(arg('seed', 0));
const targets = [...BODY_TARGETS, ...STREAM_TARGETS];
const perTarget = (minutes * 60) / 2 / targets.length;
const budget = fuzzBudget('long run', { seconds: perTarget });
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

const started = new Date();
const loadBefore = load();
const reports: TargetReport[] = [];
for (const t of targets) {
  const r = runTarget(t, budget);
  console.log(formatReport(r));
  reports.push(r);
}
const listeners = await fuzzListeners(budget.seed, Math.round((minutes * 60) / 2), arg('connections', 6));
console.log(formatListenerReport(listeners));

const ms = (x: number): string => x.toFixed(x < 10 ? 1 : 0);
const lines = [
  `Run of ${started.toISOString().slice(0, 10)}: \`node bin/run-ts.mjs test/fuzz/long-run.ts --minutes ${minutes}\`, FUZZ_SEED=${budget.seed}; ` +
    `${cpus().length} cores (${availableParallelism()} available), load average ${loadBefore} at the start and ${load()} at the end.`,
  '',
  '| target | inputs (hostile) | MiB | crashes | hangs | worst input: CPU (size) | worst wall | peak RSS |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...reports.map(
    (r) =>
      `| ${r.target} | ${r.inputs} (${r.hostile}) | ${(r.bytes / 2 ** 20).toFixed(0)} | ${r.crashes} | ${r.hangs} | ` +
      `${ms(r.worstMs)} ms (${(r.worstInputBytes / 1024).toFixed(0)} KiB) | ${ms(r.worstWallMs)} ms | ${r.peakRssMb.toFixed(0)} MiB |`,
  ),
  '',
  '| listeners (daemon process) | streams | MiB | crashes | hangs | probe p99 / worst | daemon peak RSS |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  `| ${Object.entries(listeners.byListener).map(([k, v]) => `${k} ${v}`).join(', ')} | ${listeners.inputs} | ` +
    `${(listeners.bytes / 2 ** 20).toFixed(0)} | ${listeners.crashes} | ${listeners.hangs} | ` +
    `${ms(listeners.probeP99Ms)} / ${ms(listeners.probeWorstMs)} ms (${listeners.probes} probes) | ${listeners.peakRssMb.toFixed(0)} MiB |`,
];
console.log('\n' + lines.join('\n'));
const failed = reports.some((r) => r.crashes + r.hangs > 0) || listeners.crashes + listeners.hangs > 0;
process.exit(failed ? 1 : 0);
