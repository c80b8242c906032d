// bench/ipc: sys.echo through the worker hop vs the same daemon running sys
// inline on the main thread (the ceiling), measured side by side, rounds
// interleaved. Run: node bin/run-ts.mjs bench/ipc/run.ts [--rounds 3] [--duration 4]
import { processCpuMs } from '../lib/proc-cpu.ts';
import { type LoadResult, median, numberOption } from '../lib/stats.ts';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const cpuSecondsOf = (pid: number): number => processCpuMs(pid) / 1000;
const ROUNDS = numberOption('rounds', 3);
const DURATION = numberOption('duration', 4);

const LOADS = [
  { name: '1x1 (idle latency)', conns: 1, inflight: 1 },
  { name: '1x256 unix', conns: 1, inflight: 256 },
  { name: '64x4 unix', conns: 64, inflight: 4 },
  { name: '8x128 (seed: 1000+ async in flight)', conns: 8, inflight: 128 },
];

type Mode = 'worker' | 'inline';
interface Daemon {
  mode: Mode;
  proc: ChildProcess;
  path: string;
}
type Result = LoadResult;

function startDaemon(mode: Mode): Promise<Daemon> {
  const proc = spawn(
    process.execPath,
    [`${ROOT}bin/outrigger.mjs`, 'start', '--foreground', '--config', `${ROOT}bench/ipc/bench.config.ts`],
    { env: { ...process.env, BENCH_MODE: mode }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
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

async function main(): Promise<void> {
  const daemons = { worker: await startDaemon('worker'), inline: await startDaemon('inline') };
  console.log(`bench/ipc — ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}`);
  console.log(`${ROUNDS} interleaved rounds per load, 1 s warm-up + ${DURATION} s measured; medians shown\n`);
  const rows: string[][] = [];
  for (const load of LOADS) {
    const res: Record<Mode, Result[]> = { worker: [], inline: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['worker', 'inline'] as const) res[mode].push(runLoad(daemons[mode], load.conns, load.inflight));
    }
    const m = (mode: Mode, key: keyof Result): number => median(res[mode].map((r) => r[key]));
    const errors = res.worker.reduce((n, r) => n + r.errors, 0) + res.inline.reduce((n, r) => n + r.errors, 0);
    rows.push([
      load.name,
      `${k(m('worker', 'rps'))} req/s  p50 ${ms(m('worker', 'p50'))}  p99 ${ms(m('worker', 'p99'))}  cpu ${(m('worker', 'cpu') * 100).toFixed(0)}%`,
      `${k(m('inline', 'rps'))} req/s  p50 ${ms(m('inline', 'p50'))}  p99 ${ms(m('inline', 'p99'))}  cpu ${(m('inline', 'cpu') * 100).toFixed(0)}%`,
      (m('worker', 'rps') / m('inline', 'rps')).toFixed(2),
      errors === 0 ? '' : `${errors} error frames!`,
    ]);
    const last = rows[rows.length - 1]!;
    console.log(`${last[0]}\n  worker hop : ${last[1]}\n  inline     : ${last[2]}\n  ratio worker/inline = ${last[3]} ${last[4]}`);
    if (load.conns * load.inflight >= 1000) {
      console.log(`  seed 004 target 5,000 QPS with 1,000+ in flight: worker hop reaches ${(m('worker', 'rps') / 5000).toFixed(0)}x it`);
    }
  }
  for (const d of Object.values(daemons)) d.proc.kill('SIGTERM');
}

await main();
