// bench/ipc: sys.echo through the worker hop vs the same daemon running sys
// inline on the main thread (the ceiling), measured side by side, rounds
// interleaved. --piscina adds the same daemon with sys on a piscina pool, one
// task per batch and one task per request (bench/ipc/piscina/), compared
// with the worker hop in the same rounds (piscina is a dev dependency: the
// daemon does not use it, docs/design/piscina.md says why).
// --baseline DIR adds the worker-hop daemon of another checkout (DIR, with its
// own node_modules) to the same rounds, for a change measured against its
// parent: the ratio now/baseline is printed per load.
// --spin R,Q[;R,Q...] adds a worker-hop daemon per pair with workers.spin
// replyMicros R and requestMicros Q (0,0: the hop without polling).
// --loads 1x1,64x4 runs only the loads whose names start so.
// Run: node bin/run-ts.mjs bench/ipc/run.ts [--rounds 3] [--duration 4] [--piscina] [--baseline DIR] [--spin LIST] [--loads LIST]
import { processCpuMs } from '../lib/proc-cpu.ts';
import { type LoadResult, median, numberOption } from '../lib/stats.ts';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const cpuSecondsOf = (pid: number): number => processCpuMs(pid) / 1000;
const ROUNDS = numberOption('rounds', 3);
const DURATION = numberOption('duration', 4);
const PISCINA = process.argv.includes('--piscina');
const baselineAt = process.argv.indexOf('--baseline');
const BASELINE = baselineAt >= 0 ? resolve(process.argv[baselineAt + 1]!) + '/' : null;
const spinAt = process.argv.indexOf('--spin');
const SPINS = spinAt >= 0 ? process.argv[spinAt + 1]!.split(';') : [];
const loadsAt = process.argv.indexOf('--loads');
const ONLY = loadsAt >= 0 ? process.argv[loadsAt + 1]!.split(',') : null;

const LOADS = [
  { name: '1x1 (idle latency)', conns: 1, inflight: 1 },
  { name: '1x256 unix', conns: 1, inflight: 256 },
  { name: '64x4 unix', conns: 64, inflight: 4 },
  { name: '8x128 (1000+ async in flight)', conns: 8, inflight: 128 },
].filter((l) => !ONLY || ONLY.some((prefix) => l.name.startsWith(prefix)));

type SpinMode = `spin-${string}`;
type Mode = 'worker' | 'inline' | SpinMode | 'piscina-batch' | 'piscina-task' | 'baseline';
const spinMode = (pair: string): SpinMode => `spin-${pair.replace(',', '-')}`;
const MODES: Mode[] = [
  'worker',
  'inline',
  ...SPINS.map(spinMode),
  ...(PISCINA ? (['piscina-batch', 'piscina-task'] as const) : []),
  ...(BASELINE ? (['baseline'] as const) : []),
];
const LABEL: Record<Mode, string> = {
  ...Object.fromEntries(SPINS.map((pair) => [spinMode(pair), `spin ${pair}`.padEnd(13)])),
  baseline: 'baseline hop ',
  worker: 'worker hop   ',
  inline: 'inline       ',
  'piscina-batch': 'piscina batch',
  'piscina-task': 'piscina task ',
};
interface Daemon {
  mode: Mode;
  proc: ChildProcess;
  path: string;
}
type Result = LoadResult;

function startDaemon(mode: Mode): Promise<Daemon> {
  const root = mode === 'baseline' ? BASELINE! : ROOT;
  const entry = mode.startsWith('piscina') ? [`${ROOT}bin/run-ts.mjs`, `${ROOT}bench/ipc/piscina/daemon.ts`] : [`${root}bin/outrigger.mjs`, 'start', '--foreground'];
  // The baseline is the other checkout's worker-hop daemon, in a run directory of its own.
  const env =
    mode === 'baseline'
      ? { BENCH_MODE: 'worker', OUTRIGGER_RUN_DIR: '/tmp/outrigger-bench-ipc-baseline' }
      : mode.startsWith('spin-')
        ? { BENCH_MODE: mode, BENCH_SPIN: mode.slice(5).replace('-', ',') }
        : { BENCH_MODE: mode };
  const proc = spawn(process.execPath, [...entry, '--config', `${root}bench/ipc/bench.config.ts`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('OUTRIGGER READY')) resolve({ mode, proc, path: `/tmp/outrigger-bench-ipc-${mode}/ipc.sock` });
    });
    proc.once('exit', (code) => reject(new Error(`${mode} daemon exited with ${code}`)));
  });
}

function runLoad(d: Daemon, conns: number, inflight: number): Result {
  const before = cpuSecondsOf(d.proc.pid!);
  const r = spawnSync(
    process.execPath,
    [`${ROOT}bin/run-ts.mjs`, `${ROOT}bench/ipc/load.ts`, '--path', d.path, '--conns', String(conns),
      '--inflight', String(inflight), '--warmup', '1', '--duration', String(DURATION)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`load generator failed: ${r.stderr}`);
  const cpu = (cpuSecondsOf(d.proc.pid!) - before) / (DURATION + 1);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<Result, 'cpu'>), cpu };
}

const k = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
const ms = (n: number): string => n.toFixed(3);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const daemons = {} as Record<Mode, Daemon>;
  for (const mode of MODES) daemons[mode] = await startDaemon(mode);
  console.log(`bench/ipc — ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}`);
  console.log(`${ROUNDS} interleaved rounds per load, 1 s warm-up + ${DURATION} s measured; medians shown; load average ${load()}\n`);
  const table: string[] = [];
  for (const l of LOADS) {
    const res = Object.fromEntries(MODES.map((m) => [m, [] as Result[]])) as Record<Mode, Result[]>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of MODES) res[mode].push(runLoad(daemons[mode], l.conns, l.inflight));
    }
    const m = (mode: Mode, key: keyof Result): number => median(res[mode].map((r) => r[key]));
    // Daemon CPU per request (all threads): a cost that a busy box distorts less than throughput.
    const perReq = (mode: Mode): string => ((m(mode, 'cpu') / m(mode, 'rps')) * 1e6).toFixed(1);
    const cell = (mode: Mode): string =>
      `${k(m(mode, 'rps'))} req/s  p50 ${ms(m(mode, 'p50'))}  p99 ${ms(m(mode, 'p99'))}  cpu ${(m(mode, 'cpu') * 100).toFixed(0)}% (${perReq(mode)} µs/req)`;
    const errors = MODES.reduce((n, mode) => n + res[mode].reduce((e, r) => e + r.errors, 0), 0);
    const ratio = (a: Mode, b: Mode): string => (m(a, 'rps') / m(b, 'rps')).toFixed(2);
    console.log(l.name);
    for (const mode of MODES) console.log(`  ${LABEL[mode]} : ${cell(mode)}`);
    console.log(`  ratio worker/inline = ${ratio('worker', 'inline')}${errors === 0 ? '' : `  ${errors} error frames!`}`);
    if (BASELINE) console.log(`  worker hop now / baseline = ${ratio('worker', 'baseline')}`);
    for (const pair of SPINS) console.log(`  worker hop / spin ${pair} = ${ratio('worker', spinMode(pair))}`);
    if (PISCINA) console.log(`  piscina / worker hop: per batch ${ratio('piscina-batch', 'worker')}, per request ${ratio('piscina-task', 'worker')}`);
    if (l.conns * l.inflight >= 1000) {
      console.log(`  binary IPC design target 5,000 QPS with 1,000+ in flight: worker hop reaches ${(m('worker', 'rps') / 5000).toFixed(0)}x it`);
    }
    if (PISCINA) {
      table.push(
        `| ${l.name} | ${cell('worker')} | ${cell('piscina-batch')} | **${ratio('piscina-batch', 'worker')}** | ${cell('piscina-task')} | **${ratio('piscina-task', 'worker')}** |`,
      );
    }
  }
  if (PISCINA) {
    console.log(`\nload average at end: ${load()}\n`);
    console.log('| load | current host (worker hop) | piscina, task per batch | batch / current | piscina, task per request | request / current |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const row of table) console.log(row);
  }
  for (const d of Object.values(daemons)) d.proc.kill('SIGTERM');
}

await main();
