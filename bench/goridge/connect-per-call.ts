// bench/goridge, connect per call: the Go load generator connects, makes one
// call and closes, in a loop (a PHP-FPM request whose bridge keeps no
// connection), from 1 and from 4 client processes, against Outrigger
// (Sys.Echo through the worker hop), the Go reference server (App.Echo) and a
// bare Node net.Server that answers one frame (Node's own limit measured the
// same way), in one run, rounds interleaved; medians.
//
//   node bin/run-ts.mjs bench/goridge/connect-per-call.ts [--rounds 3] [--duration 4] [--inline]
//
// --inline adds the daemon with sys.echo on the main thread (no worker hop).
// --before DIR adds the daemon of another checkout (e.g. an older commit
// exported with `git archive`, node_modules linked) as "Outrigger, before";
// with --inline too, also that checkout with sys inline. --processes 4 runs
// only that many client processes (default 1,4). --pin runs every server on
// the last CPU and the clients on the others (taskset): each server has a
// core its clients do not share, as on a host with cores to spare; without
// it, servers and clients share every core, as on a small box.
import { processCpuMs, threadCpuMs } from '../lib/proc-cpu.ts';
import { median, numberOption } from '../lib/stats.ts';
import { LOADGEN, type LoadgenResult, buildGo, loadAverage, pinServers, spawnOn, startBare, startGo, startOutrigger } from './servers.ts';
import type { ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';

const ROUNDS = numberOption('rounds', 3);
const DURATION = numberOption('duration', 4);
const WARMUP = 1;
const INLINE = process.argv.includes('--inline');
const beforeArg = process.argv.indexOf('--before');
const BEFORE = beforeArg >= 0 ? resolve(process.argv[beforeArg + 1]!) + '/' : null;
const processesArg = process.argv.indexOf('--processes');
const PIN = process.argv.includes('--pin');
const CPUS = cpus().length;
if (PIN && CPUS < 2) throw new Error('--pin needs at least 2 CPUs');
const CLIENT_CPUS = `0-${CPUS - 2}`;
const PROCESSES = processesArg >= 0 ? process.argv[processesArg + 1]!.split(',').map(Number) : [1, 4];

type Server = 'outrigger' | 'go' | 'bare' | 'inline' | 'before' | 'beforeInline';
const PORT: Record<Server, number> = { outrigger: 16011, go: 17011, bare: 16013, inline: 16012, before: 16014, beforeInline: 16015 };
const METHOD: Record<Server, string> = {
  outrigger: 'Sys.Echo',
  go: 'App.Echo',
  bare: 'Sys.Echo',
  inline: 'Sys.Echo',
  before: 'Sys.Echo',
  beforeInline: 'Sys.Echo',
};
const LABEL: Record<Server, string> = {
  outrigger: 'Outrigger (Sys.Echo, worker hop)',
  before: 'Outrigger, before (--before checkout)',
  go: 'Go net/rpc + goridge codec',
  bare: 'bare Node net.Server',
  inline: 'Outrigger, sys inline (diagnostic)',
  beforeInline: 'Outrigger, before, sys inline',
};

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU per call over warm-up + measurement, µs (all its threads). */
  serverUs: number;
  /**
   * The server's main thread alone, µs per call (NaN for Go, which has none):
   * where a Node server's accept path runs, so what bounds it on a host whose
   * clients do not share its cores.
   */
  mainUs: number;
  clientUs: number;
}

function loadgen(server: Server): Promise<LoadgenResult> {
  const args = ['-addr', `tcp://127.0.0.1:${PORT[server]}`, '-method', METHOD[server], '-conns', '1', '-connect-per-call',
    '-warmup', `${WARMUP}s`, '-duration', `${DURATION}s`];
  return new Promise((resolve, reject) => {
    const p = spawnOn(PIN ? CLIENT_CPUS : null, LOADGEN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    // 'close', not 'exit': the last stdout bytes may still be unread when the process exits.
    p.once('close', (code) => {
      if (code !== 0) reject(new Error(`loadgen against ${server} failed: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadgenResult);
    });
  });
}

async function measure(server: Server, pid: number, processes: number): Promise<Run> {
  const before = processCpuMs(pid);
  const mainBefore = threadCpuMs(pid).get(pid) ?? NaN;
  const rs = await Promise.all(Array.from({ length: processes }, () => loadgen(server)));
  const cpuMs = processCpuMs(pid) - before;
  const mainMs = server === 'go' ? NaN : (threadCpuMs(pid).get(pid) ?? NaN) - mainBefore;
  const rps = rs.reduce((n, r) => n + r.rps, 0);
  const calls = rs.reduce((n, r) => n + r.calls, 0);
  return {
    rps,
    p50: median(rs.map((r) => r.p50)),
    p99: Math.max(...rs.map((r) => r.p99)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    serverUs: (cpuMs * 1000) / (rps * (WARMUP + DURATION)),
    mainUs: (mainMs * 1000) / (rps * (WARMUP + DURATION)),
    clientUs: rs.reduce((n, r) => n + r.client_us_per_call * r.calls, 0) / calls,
  };
}

async function main(): Promise<void> {
  buildGo();
  if (PIN) pinServers(String(CPUS - 1));
  const servers: Server[] = [
    'outrigger',
    'go',
    'bare',
    ...(INLINE ? (['inline'] as const) : []),
    ...(BEFORE ? (['before'] as const) : []),
    ...(BEFORE && INLINE ? (['beforeInline'] as const) : []),
  ];
  const procs = new Map<Server, ChildProcess>();
  try {
    const started = await Promise.all(
      servers.map((s) =>
        s === 'go'
          ? startGo(PORT.go)
          : s === 'bare'
            ? startBare(PORT.bare)
            : startOutrigger(PORT[s], s === 'inline' || s === 'beforeInline' ? 'inline' : 'worker', s === 'before' || s === 'beforeInline' ? BEFORE! : undefined),
      ),
    );
    servers.forEach((s, i) => procs.set(s, started[i]!));
    console.log(`bench/goridge connect-per-call — ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}; clients and servers on one box`);
    console.log(`client: goridge v3.8.3 ClientCodec (gob) under net/rpc, connect → one call → close; ${ROUNDS} interleaved rounds, ${WARMUP} s warm-up + ${DURATION} s each; medians. Before: ${loadAverage()}`);
    console.log(PIN ? `pinned: servers on CPU ${CPUS - 1}, clients on CPUs ${CLIENT_CPUS}\n` : 'not pinned: servers and clients share every CPU\n');
    const table = [
      '| client processes | server | calls/s | p50 ms | p99 ms | server CPU µs/call | main thread µs/call | client CPU µs/call | vs bare Node | vs Go |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const n of PROCESSES) {
      const runs = new Map<Server, Run[]>(servers.map((s) => [s, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
        for (const s of order) runs.get(s)!.push(await measure(s, procs.get(s)!.pid!, n));
      }
      const m = (s: Server, key: keyof Run): number => median(runs.get(s)!.map((r) => r[key]));
      for (const s of servers) {
        const errors = runs.get(s)!.reduce((e, r) => e + r.errors, 0);
        table.push(
          `| ${n} | ${LABEL[s]} | ${(m(s, 'rps') / 1000).toFixed(2)}k | ${m(s, 'p50').toFixed(3)} | ${m(s, 'p99').toFixed(3)} | ` +
            `${m(s, 'serverUs').toFixed(0)} | ${s === 'go' ? '—' : m(s, 'mainUs').toFixed(0)} | ${m(s, 'clientUs').toFixed(0)} | ${(m(s, 'rps') / m('bare', 'rps')).toFixed(2)} | ` +
            `${(m(s, 'rps') / m('go', 'rps')).toFixed(2)}x${errors ? ` (${errors} errors)` : ''} |`,
        );
      }
      console.log(table.slice(-servers.length).join('\n'));
    }
    console.log(`\nAfter: ${loadAverage()}\n`);
    console.log(table.join('\n'));
  } finally {
    for (const p of procs.values()) p.kill('SIGTERM');
  }
}

await main();
