/*
 * What the ops layer costs per request on the main thread.
 *
 * 1. Micro: recording one settled request (listener, method, outcome, latency)
 *    with RequestMetrics (cells looked up by Map, built at scrape time) vs
 *    prom-client's own labelled counter+histogram (labels object per call) vs
 *    prom-client with cached children (.labels() once per method), and the
 *    tracer's per-request cost for a sampled request.
 * 2. End to end: sys.echo over binary IPC (one connection, 256 in flight)
 *    through an in-process daemon without and with metrics enabled (metrics
 *    on, tracing off), interleaved runs, median req/s and the ratio.
 *
 *   node bin/run-ts.mjs bench/ops/metrics-overhead.ts [--requests 200000] [--rounds 5]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Counter, Histogram, Registry } from 'prom-client';
import { BodyFormat } from '../../runtime/codec/body/formats.ts';
import { builtinFeatures } from '../../actors/builtins.ts';
import { loadRaw } from '../../runtime/feature/load.ts';
import { Daemon } from '../../runtime/daemon/daemon.ts';
import { createLogger } from '../../runtime/log.ts';
import { LATENCY_BUCKETS_S } from '../../runtime/stats/buckets.ts';
import { RequestMetrics } from '../../runtime/metrics/request-metrics.ts';
import { Pending, type ReplySink } from '../../runtime/router/pending.ts';
import { ALL_GRANTS } from '../../runtime/router/policy.ts';
import { RequestTracer } from '../../runtime/tracing/tracer.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const REQUESTS = arg('requests', 200_000);
const ROUNDS = arg('rounds', 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---------- 1. micro
const sink: ReplySink = { open: true, listener: 'ipc', grants: ALL_GRANTS, resolve: () => {}, reject: () => {} };
const METHODS = ['sys.echo', 'kafka.produce', 'modbus.read', 'es.index'];
const pendings = METHODS.map((m) => new Pending(sink, null, m, BodyFormat.JSON));
const OUTCOMES = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'TIMEOUT'];
const N = 2_000_000;

function time(label: string, fn: (i: number) => void): number {
  const per: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) fn(i);
    per.push(((performance.now() - t0) * 1e6) / N);
  }
  const ns = median(per);
  console.log(`  ${label.padEnd(58)} ${ns.toFixed(1).padStart(7)} ns/request`);
  return ns;
}

console.log(`micro: one settled request recorded (median of ${ROUNDS} x ${N.toLocaleString()})`);
const rm = new RequestMetrics(() => true);
const ours = time('RequestMetrics.record (ours)', (i) => rm.record(pendings[i & 3]!, OUTCOMES[i & 7]!, 0.05 + (i & 15) * 0.01));

const reg = new Registry();
const total = new Counter({ name: 'req_total', help: 'x', labelNames: ['listener', 'method', 'outcome'], registers: [reg] });
const dur = new Histogram({ name: 'req_seconds', help: 'x', labelNames: ['listener', 'method'], buckets: [...LATENCY_BUCKETS_S], registers: [reg] });
const promPlain = time('prom-client counter.inc + histogram.observe (label objects)', (i) => {
  const p = pendings[i & 3]!;
  total.inc({ listener: 'ipc', method: p.method, outcome: OUTCOMES[i & 7]! });
  dur.observe({ listener: 'ipc', method: p.method }, (0.05 + (i & 15) * 0.01) / 1000);
});
const childCache = new Map<string, { h: ReturnType<typeof dur.labels>; c: Map<string, ReturnType<typeof total.labels>> }>();
const promCached = time('prom-client with cached children per method/outcome', (i) => {
  const p = pendings[i & 3]!;
  const outcome = OUTCOMES[i & 7]!;
  let e = childCache.get(p.method);
  if (!e) childCache.set(p.method, (e = { h: dur.labels('ipc', p.method), c: new Map() }));
  let c = e.c.get(outcome);
  if (!c) e.c.set(outcome, (c = total.labels('ipc', p.method, outcome)));
  c.inc();
  e.h.observe((0.05 + (i & 15) * 0.01) / 1000);
});
// maxQueue 8192 as configured by default: past it spans are dropped, so the sampled figure is the
// cost while the exporter keeps up (queue below the bound) only for the first 8192 of each round.
const newTracer = (): RequestTracer =>
  new RequestTracer(
    { otlpEndpoint: 'http://127.0.0.1:9/v1/traces', headers: {}, serviceName: 'bench', sampleRatio: 0, maxQueue: N, exportIntervalMs: 3_600_000 },
    'bench',
    createLogger('silent'),
  );
let tracer = newTracer();
const traced = new Pending(sink, null, 'sys.echo', BodyFormat.JSON);
const tracedNs = time('tracer onDispatch+onSettled, sampled request (span queued)', (i) => {
  if (i === 0) {
    void tracer.close().catch(() => {});
    tracer = newTracer();
  }
  traced.traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  tracer.onDispatch(traced);
  tracer.onSettled(traced, 'ok', 0.05);
});
const untracedNs = time('tracer onDispatch+onSettled, untraced request', () => {
  traced.traceparent = undefined;
  tracer.onDispatch(traced);
  if (traced.traceSpan !== null) tracer.onSettled(traced, 'ok', 0.05);
});
await tracer.close().catch(() => {});
globalThis.gc?.();
console.log(`  ratio prom-client (label objects) / ours: ${(promPlain / ours).toFixed(1)}x;  cached children / ours: ${(promCached / ours).toFixed(1)}x`);

// ---------- 2. end to end
/** A daemon with the operations layer on (metrics endpoint, request metrics) or off. */
async function startDaemon(ops: boolean): Promise<{ d: Daemon; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-bench-'));
  const raw = {
    runDir: dir,
    logLevel: 'silent',
    metrics: { enabled: ops, http: { port: 0 } },
    reload: { watch: false },
    listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } },
  };
  return { d: await Daemon.start(await loadRaw(raw, null, process.cwd(), builtinFeatures, {}), createLogger('silent')), dir };
}

/** Runs the load generator in a child process; returns its req/s and this (daemon) main thread's busy time per request. */
async function drive(dir: string, requests: number, inflight: number): Promise<{ rps: number; busyNs: number }> {
  const before = performance.eventLoopUtilization();
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['bin/run-ts.mjs', 'bench/ops/echo-client.ts', join(dir, 'ipc.sock'), String(requests), String(inflight)], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
  const elu = performance.eventLoopUtilization(before);
  return { rps: Number(out.trim()), busyNs: (elu.active * 1e6) / requests };
}

console.log(`\nend to end: sys.echo, 1 unix connection, 256 in flight, ${REQUESTS.toLocaleString()} requests per run, ${ROUNDS} interleaved runs`);
const base: { rps: number; busyNs: number }[] = [];
const withOps: { rps: number; busyNs: number }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const [ops, out] of [
    [false, base],
    [true, withOps],
  ] as const) {
    const { d, dir } = await startDaemon(ops);
    await drive(dir, 20_000, 256); // warm-up (JIT, worker)
    out.push(await drive(dir, REQUESTS, 256));
    await d.stop('bench', 2000);
    await d.stopped;
    rmSync(dir, { recursive: true, force: true });
  }
}
const b = median(base.map((x) => x.rps));
const o = median(withOps.map((x) => x.rps));
const bb = median(base.map((x) => x.busyNs));
const ob = median(withOps.map((x) => x.busyNs));
const runs = (xs: { rps: number }[]): string => xs.map((x) => Math.round(x.rps / 1000)).join(', ');
console.log(`  without metrics:    ${Math.round(b).toLocaleString().padStart(9)} req/s, daemon main thread busy ${bb.toFixed(0)} ns/request  (runs: ${runs(base)} k)`);
console.log(`  with metrics:       ${Math.round(o).toLocaleString().padStart(9)} req/s, daemon main thread busy ${ob.toFixed(0)} ns/request  (runs: ${runs(withOps)} k)`);
console.log(`  ratio with/without: throughput ${(o / b).toFixed(3)}, main-thread busy time ${(ob / bb).toFixed(3)}`);
console.log(`\nsummary: ours ${ours.toFixed(1)} ns, prom-client ${promPlain.toFixed(1)} ns, prom-client cached ${promCached.toFixed(1)} ns, tracer sampled ${tracedNs.toFixed(1)} ns / untraced ${untracedNs.toFixed(1)} ns`);
process.exit(0);
