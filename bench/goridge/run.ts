// bench/goridge: Outrigger's Goridge listener vs the reference Go server
// (goridge v3.8.3 codec under Go's net/rpc, bench/peers/goridge-echo), both
// driven in the same run by the same Go load generator (goridge v3 client,
// gob bodies). Outrigger answers Sys.Echo on a worker thread (the hop a Kafka
// call takes); the Go server answers App.Echo in a goroutine. Rounds are
// interleaved and their medians compared.
//
//   node bin/run-ts.mjs bench/goridge/run.ts [--rounds 3] [--duration 4] [--buffered] [--inline] [--baseline DIR]
//
// --baseline DIR adds the worker-hop daemon of another checkout (DIR, with its
// own node_modules) to the same rounds: the ratio now/baseline per load.
//
// --inline adds a third server, not part of the comparison: the same daemon
// with sys.echo on the main thread (no worker hop), to show what the hop costs.
import { processCpuMs } from '../lib/proc-cpu.ts';
import { type LoadResult, median, numberOption } from '../lib/stats.ts';
import { LOADGEN, buildGo, startGo, startOutrigger } from './servers.ts';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';

const argv = process.argv.slice(2);
const cpuSecondsOf = (pid: number): number => processCpuMs(pid) / 1000;
const ROUNDS = numberOption('rounds', 3);
/** --buffered: the load generator reads replies through a bufio.Reader (fewer client syscalls). */
const BUFFERED = argv.includes('--buffered');
const DURATION = numberOption('duration', 4);
const INLINE = argv.includes('--inline');
const baselineAt = argv.indexOf('--baseline');
const BASELINE = baselineAt >= 0 ? resolve(argv[baselineAt + 1]!) + '/' : null;
const OUTRIGGER_PORT = 16001;
const INLINE_PORT = 16002;
const BASELINE_PORT = 16003;
const GO_PORT = 17001;

const LOADS = [
  { name: '64 x 1 (PHP-FPM: many connections, one call each)', conns: 64, inflight: 1, goal: 2 },
  { name: '8 x 32 (pipelined Go clients)', conns: 8, inflight: 32, goal: 5 },
  { name: '1 x 1 (idle latency)', conns: 1, inflight: 1, goal: 0 },
];

type Server = 'outrigger' | 'go' | 'inline' | 'baseline';
interface Result extends LoadResult {
  /** Load generator CPU per call, µs. */
  client_us_per_call: number;
}

async function startServers(): Promise<Partial<Record<Server, ChildProcess>>> {
  const [outrigger, go, inline, baseline] = await Promise.all([
    startOutrigger(OUTRIGGER_PORT, 'worker'),
    startGo(GO_PORT),
    INLINE ? startOutrigger(INLINE_PORT, 'inline') : undefined,
    BASELINE ? startOutrigger(BASELINE_PORT, 'worker', BASELINE) : undefined,
  ]);
  return { outrigger, go, inline, baseline };
}

const ADDR: Record<Server, string> = {
  outrigger: `tcp://127.0.0.1:${OUTRIGGER_PORT}`,
  go: `tcp://127.0.0.1:${GO_PORT}`,
  inline: `tcp://127.0.0.1:${INLINE_PORT}`,
  baseline: `tcp://127.0.0.1:${BASELINE_PORT}`,
};

function runLoad(server: Server, pid: number, conns: number, inflight: number): Result {
  const addr = ADDR[server];
  const method = server === 'go' ? 'App.Echo' : 'Sys.Echo';
  const before = cpuSecondsOf(pid);
  const r = spawnSync(
    LOADGEN,
    [
      '-addr', addr, '-method', method, '-conns', String(conns), '-inflight', String(inflight),
      '-warmup', '1s', '-duration', `${DURATION}s`, `-buffered=${BUFFERED}`,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`loadgen against ${server} failed: ${r.stderr}`);
  const cpu = (cpuSecondsOf(pid) - before) / (DURATION + 1);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<Result, 'cpu'>), cpu };
}

const k = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));

async function main(): Promise<void> {
  buildGo();
  const servers = await startServers();
  const pids: Partial<Record<Server, number>> = { outrigger: servers.outrigger?.pid, go: servers.go?.pid, inline: servers.inline?.pid, baseline: servers.baseline?.pid };
  console.log(`bench/goridge — ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}, load generator and servers on one box`);
  console.log(
    `client: goridge v3.8.3 ClientCodec (gob) under net/rpc${BUFFERED ? ', replies read through bufio' : ''}; ` +
      `${ROUNDS} interleaved rounds, 1 s warm-up + ${DURATION} s each; medians\n`,
  );
  const table: string[] = [
    '| load | Outrigger (Sys.Echo, worker hop) | Go net/rpc + goridge codec (App.Echo) | throughput ratio | p99 ratio (Go/Outrigger) |',
    '| --- | --- | --- | --- | --- |',
  ];
  try {
    for (const load of LOADS) {
      const res: Record<Server, Result[]> = { outrigger: [], go: [], inline: [], baseline: [] };
      for (let round = 0; round < ROUNDS; round++) {
        const order: Server[] = round % 2 === 0 ? ['outrigger', 'go'] : ['go', 'outrigger'];
        if (INLINE) order.push('inline');
        if (BASELINE) order.splice(round % 2 === 0 ? 1 : 0, 0, 'baseline');
        for (const s of order) res[s].push(runLoad(s, pids[s]!, load.conns, load.inflight));
      }
      const m = (s: Server, key: keyof Result): number => median(res[s].map((r) => r[key]));
      const errors = [...res.outrigger, ...res.go].reduce((n, r) => n + r.errors, 0);
      const cell = (s: Server): string =>
        `${k(m(s, 'rps'))} req/s, p50 ${m(s, 'p50').toFixed(3)} ms, p99 ${m(s, 'p99').toFixed(3)} ms, server cpu ${(m(s, 'cpu') * 100).toFixed(0)}%, client ${m(s, 'client_us_per_call').toFixed(1)} µs/call`;
      const ratio = m('outrigger', 'rps') / m('go', 'rps');
      const p99Ratio = m('go', 'p99') / m('outrigger', 'p99');
      console.log(`${load.name}`);
      console.log(`  outrigger: ${cell('outrigger')}`);
      console.log(`  go       : ${cell('go')}`);
      if (INLINE) console.log(`  (diagnostic) outrigger, sys.echo inline, no worker hop: ${cell('inline')} = ${(m('inline', 'rps') / m('go', 'rps')).toFixed(2)}x go`);
      if (BASELINE) {
        const cpuPerCall = (s: Server): number => (m(s, 'cpu') / m(s, 'rps')) * 1e6;
        console.log(`  baseline : ${cell('baseline')}`);
        console.log(`  now / baseline: throughput ${(m('outrigger', 'rps') / m('baseline', 'rps')).toFixed(2)}, server CPU per call ${(cpuPerCall('outrigger') / cpuPerCall('baseline')).toFixed(2)}`);
      }
      console.log(`  ratio outrigger/go = ${ratio.toFixed(2)}x, p99 go/outrigger = ${p99Ratio.toFixed(2)}x${errors ? `  (${errors} errors!)` : ''}`);
      if (load.goal > 0) {
        const met = ratio >= load.goal && p99Ratio > 1;
        console.log(`  goal >= ${load.goal}x with a lower p99: ${met ? 'met' : 'NOT met'}`);
      }
      console.log('');
      table.push(`| ${load.name} | ${cell('outrigger')} | ${cell('go')} | ${ratio.toFixed(2)}x | ${p99Ratio.toFixed(2)}x |`);
    }
  } finally {
    for (const p of Object.values(servers)) p?.kill('SIGTERM');
  }
  console.log(table.join('\n'));
}

await main();
