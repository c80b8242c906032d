// bench/startup: the idle footprint of the daemon as `npm start` runs it (the
// repository's sidecar.config.ts), with its actors started as configured
// (lazy ones wait for their first request) and with every actor forced to
// start with the daemon (eager.config.ts: the footprint before lazy start).
// Each variant: a fresh daemon, listeners on ephemeral ports, RSS and thread
// count read from /proc after it has been idle for --settle and then --window
// seconds, and the CPU it used over the window; then two timed sys.ping, a
// burst of 2,000 more through the worker hop, and the CPU of a second idle
// window (the hop must stop polling once calls stop);
// --runs runs per variant, interleaved; medians. The difference divided by
// the extra threads is what one idle worker costs.
//
//   node bin/run-ts.mjs bench/startup/idle.ts [--runs 3] [--settle 5] [--window 10] [--root DIR]
//
// --root runs another checkout's bin/outrigger.mjs and sidecar.config.ts
// (e.g. an older commit, exported with `git archive`) in the same way.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpcClient } from '../../clients/ts/ipc-client.ts';
import { loadAverage } from '../goridge/servers.ts';
import { processCpuMs } from '../lib/proc-cpu.ts';
import { fmt, median, numberOption } from '../lib/stats.ts';

const RUNS = numberOption('runs', 3);
const SETTLE_S = numberOption('settle', 5);
const WINDOW_S = numberOption('window', 10);
const rootArg = process.argv.indexOf('--root');
const ROOT = rootArg >= 0 ? resolve(process.argv[rootArg + 1]!) : fileURLToPath(new URL('../../', import.meta.url));
const EAGER_CONFIG = fileURLToPath(new URL('./eager.config.ts', import.meta.url));

type Variant = 'as configured' | 'all eager';

interface Sample {
  rssMiB: number;
  threads: number;
  /** CPU the daemon (all threads) used while idle, per second: heartbeats, sweepers, timers. */
  idleCpuMsPerS: number;
  /** Time from spawn to the daemon's "outrigger started" line. */
  startMs: number;
  /** The first sys.ping after the idle period (a lazy sys actor starts its worker for it), then the second. */
  firstCallMs: number;
  secondCallMs: number;
  /** CPU per second over the same window after a burst of 2,000 calls through the worker hop: polling must have stopped. */
  afterCallsCpuMsPerS: number;
}

async function timedPing(c: IpcClient): Promise<number> {
  const t = performance.now();
  await c.call('sys.ping');
  return performance.now() - t;
}

function procStatus(pid: number): { rssMiB: number; threads: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(s)![1]) / 1024;
  const threads = Number(/Threads:\s+(\d+)/.exec(s)![1]);
  return { rssMiB: rss, threads };
}

function started(proc: ChildProcess): Promise<void> {
  return new Promise((ok, fail) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('outrigger started')) ok();
    });
    proc.once('exit', (code) => fail(new Error(`daemon exited with ${code}: ${out.slice(-2000)}`)));
  });
}

async function sample(variant: Variant): Promise<Sample> {
  const runDir = mkdtempSync(join(tmpdir(), 'outrigger-bench-startup-'));
  const args = [join(ROOT, 'bin/outrigger.mjs'), 'start', '--foreground'];
  if (variant === 'all eager') args.push('--config', EAGER_CONFIG);
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    // Ephemeral ports and a private run dir: other daemons on the box keep theirs.
    env: { ...process.env, PORT: '0', IPC_PORT: '0', ISP_PORT: '0', METRICS_PORT: '0', OUTRIGGER_RUN_DIR: runDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await started(proc);
    const startMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    const cpu0 = processCpuMs(proc.pid!);
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const idle = { ...procStatus(proc.pid!), idleCpuMsPerS: (processCpuMs(proc.pid!) - cpu0) / WINDOW_S };
    const c = new IpcClient({ path: join(runDir, 'ipc.sock'), heartbeatMs: 0 });
    try {
      const firstCallMs = await timedPing(c);
      const secondCallMs = await timedPing(c);
      for (let i = 0; i < 1000; i++) await c.call('sys.ping');
      await Promise.all(Array.from({ length: 1000 }, () => c.call('sys.ping')));
      await new Promise((r) => setTimeout(r, 1000));
      const cpu1 = processCpuMs(proc.pid!);
      await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
      return { ...idle, startMs, firstCallMs, secondCallMs, afterCallsCpuMsPerS: (processCpuMs(proc.pid!) - cpu1) / WINDOW_S };
    } finally {
      c.close();
    }
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
    rmSync(runDir, { recursive: true, force: true });
  }
}

// Another checkout's config may not know actors.<name>.start: measure it as it is configured.
const variants: Variant[] = rootArg >= 0 ? ['as configured'] : ['as configured', 'all eager'];
const results = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
for (let r = 0; r < RUNS; r++) for (const v of variants) results.get(v)!.push(await sample(v));

console.log(`bench/startup idle footprint (${ROOT}), ${RUNS} runs, ${SETTLE_S} + ${WINDOW_S} s idle, medians; ${loadAverage()}`);
console.log('variant          RSS MiB  threads  idle CPU ms/s  start ms  1st sys.ping ms  2nd ms  idle CPU after calls ms/s');
const med = (v: Variant, k: keyof Sample): number => median(results.get(v)!.map((s) => s[k]));
for (const v of variants) console.log(`${v.padEnd(15)}  ${fmt(med(v, 'rssMiB')).padStart(7)}  ${fmt(med(v, 'threads')).padStart(7)}  ${fmt(med(v, 'idleCpuMsPerS'), 1).padStart(13)}  ${fmt(med(v, 'startMs')).padStart(8)}  ${fmt(med(v, 'firstCallMs'), 1).padStart(15)}  ${fmt(med(v, 'secondCallMs'), 2).padStart(6)}  ${fmt(med(v, 'afterCallsCpuMsPerS'), 1).padStart(25)}`);
const extra = variants.length < 2 ? 0 : med('all eager', 'threads') - med('as configured', 'threads');
if (extra > 0) console.log(`per idle worker thread: ${fmt((med('all eager', 'rssMiB') - med('as configured', 'rssMiB')) / extra, 1)} MiB`);
