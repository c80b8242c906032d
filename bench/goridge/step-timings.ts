// Where a one-call connection's time goes on the daemon's main thread, step
// by step: the daemon runs with step-timings.config.ts (a performance.now()
// pair around each step), the Go load generator connects, makes one
// Sys.Echo call and closes, in a loop, and the table gives each step's wall
// time per call, measured inside the process, so a step of a few µs is seen
// where a whole-process comparison (connect-per-call.ts) has a spread of
// ~20 µs. Steps nest as the table's indentation shows. Times are wall time
// on the main thread: with clients sharing the cores, a step can include
// being preempted (the write most of all, around its system call).
//
//   node bin/run-ts.mjs bench/goridge/step-timings.ts [--processes 4] [--duration 6] [--worker]
//
// --worker runs sys.echo on its worker thread (the body codec then runs there,
// untimed). The main thread's CPU per call is from /proc.
import { spawn } from 'node:child_process';
import { threadCpuMs } from '../lib/proc-cpu.ts';
import { numberOption } from '../lib/stats.ts';
import { LOADGEN, ROOT, buildGo, loadAverage } from './servers.ts';

const PROCESSES = numberOption('processes', 4);
const DURATION = numberOption('duration', 6);
const WARMUP = 2;
const MODE = process.argv.includes('--worker') ? 'worker' : 'inline';
const PORT = 16021;

const ROWS: [string, string][] = [
  ['accept', 'accept: Connection, session, decoder, socket listeners'],
  ['read', 'read → reply queued (everything below, and admission)'],
  ['frame', '  Goridge header and frame'],
  ['method', '  method lookup'],
  ['dispatch', '  router dispatch (inline: the call runs inside it)'],
  ['decode', '    gob decode of the body'],
  ['encode', '    gob encode of the result'],
  ['settle', '    settle: deadline, holder, metrics, reply (--worker: when the reply comes back, outside read)'],
  ['metrics', '      request metrics'],
  ['reply', '      reply frame queued'],
  ['write', 'write: the turn\'s flush, socket.write (system call included)'],
  ['close', 'close: session and listener bookkeeping'],
];

type Totals = Record<string, number>;

async function main(): Promise<void> {
  buildGo();
  const daemon = spawn(process.execPath, [`${ROOT}bin/outrigger.mjs`, 'start', '--foreground', '--config', `${ROOT}bench/goridge/step-timings.config.ts`], {
    env: { ...process.env, BENCH_GORIDGE_PORT: String(PORT), BENCH_GORIDGE_SYS_MODE: MODE, OUTRIGGER_RUN_DIR: '/tmp/outrigger-bench-step-timings' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let latest: Totals | null = null;
  let ready = false;
  let pending = '';
  daemon.stdout!.on('data', (b: Buffer) => {
    pending += b.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('STEPS ')) latest = JSON.parse(line.slice(6)) as Totals;
      else if (line.includes('OUTRIGGER READY')) ready = true;
    }
  });
  try {
    while (!ready) await sleep(100);
    await load(WARMUP);
    await sleep(1100);
    const before = latest!;
    const cpu0 = threadCpuMs(daemon.pid!).get(daemon.pid!)!;
    const calls = await load(DURATION);
    const cpu1 = threadCpuMs(daemon.pid!).get(daemon.pid!)!;
    await sleep(1100);
    const after = latest!;
    const n = after['calls']! - before['calls']!;
    console.log(`bench/goridge step timings — sys ${MODE}, ${PROCESSES} Go client process(es) connecting per call, ${DURATION} s; ${loadAverage()}`);
    console.log(`${calls} calls (${(calls / DURATION).toFixed(0)}/s); main thread ${(((cpu1 - cpu0) * 1000) / calls).toFixed(0)} µs CPU per call\n`);
    console.log('| step | µs per call |\n| --- | ---: |');
    for (const [key, label] of ROWS) {
      const us = ((after[key]! - before[key]!) * 1000) / n;
      console.log(`| ${label.replace(/^( +)/, (s) => '&nbsp;'.repeat(s.length))} | ${us.toFixed(1)} |`);
    }
  } finally {
    daemon.kill('SIGTERM');
  }
}

/** Runs the load generator from PROCESSES processes for `seconds`; returns the calls made. */
async function load(seconds: number): Promise<number> {
  const runs = Array.from({ length: PROCESSES }, () => loadgenCalls(seconds));
  return (await Promise.all(runs)).reduce((a, b) => a + b, 0);
}

function loadgenCalls(seconds: number): Promise<number> {
  const args = ['-addr', `tcp://127.0.0.1:${PORT}`, '-method', 'Sys.Echo', '-conns', '1', '-connect-per-call', '-warmup', '0s', '-duration', `${seconds}s`];
  return new Promise((resolve, reject) => {
    const p = spawn(LOADGEN, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`loadgen exited with ${code}: ${out}`));
      else resolve((JSON.parse(line) as { calls: number }).calls);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

await main();
