// bench/php-fpm: the PHP-FPM application's real path, end to end on loopback:
// wrk (HTTP load) -> nginx -> php-fpm -> the PHP bridge -> the sidecar, one
// sync call per HTTP request (bench/php-fpm/www/call.php). nginx and php-fpm
// are Debian's, run with their own config files in a temp dir
// (test/helpers/fpm-stack.ts). Side by side in one run, rounds interleaved,
// medians:
//
//   - no sidecar call: the ceiling of nginx + php-fpm on this box;
//   - Sys.Echo on Outrigger and App.Echo on the Go reference server
//     (bench/peers/goridge-echo: goridge v3 under Go's net/rpc), the anchor;
//   - a Kafka sync produce through App.Kafka on the memory driver (and, with
//     --broker, on the real broker at 127.0.0.1:19092);
//
// each call once with the bridge keeping its connection across requests (the
// default under PHP-FPM) and once connecting per request. Per row: HTTP req/s,
// p50/p99, the sidecar's CPU per request (/proc, all its threads) and PHP's
// (all php-fpm workers).
//
//   node bin/run-ts.mjs bench/php-fpm/run.ts [--rounds 3] [--duration 5] [--workers 4] [--connections 4] [--broker]
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { lockKafkaPeer, PEER, requireKafkaPeer } from '../../test/actors/kafka/kafka-peer.ts';
import { startDaemonProcess } from '../../test/helpers/daemon-process.ts';
import { freePort, startFpmStack } from '../../test/helpers/fpm-stack.ts';
import { peerCpuMs, processCpuMs } from '../lib/proc-cpu.ts';
import { median, numberOption } from '../lib/stats.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const argv = process.argv.slice(2);
const ROUNDS = numberOption('rounds', 3);
const DURATION = numberOption('duration', 5);
const WARMUP = 1;
const WORKERS = numberOption('workers', 4);
const CONNECTIONS = numberOption('connections', WORKERS);
const BROKER = argv.includes('--broker');

type Sidecar = 'outrigger' | 'go' | null;
interface Scenario {
  name: string;
  query: string;
  sidecar: Sidecar;
}

const SCENARIOS: Scenario[] = [
  { name: 'no sidecar call (ceiling)', query: 'call=none', sidecar: null },
  { name: 'echo, Go server, kept connection', query: 'call=echo&to=go&keep=1', sidecar: 'go' },
  { name: 'echo, Go server, connect per request', query: 'call=echo&to=go&keep=0', sidecar: 'go' },
  { name: 'echo, Outrigger, kept connection', query: 'call=echo&to=outrigger&keep=1', sidecar: 'outrigger' },
  { name: 'echo, Outrigger, connect per request', query: 'call=echo&to=outrigger&keep=0', sidecar: 'outrigger' },
  { name: 'Kafka sync produce (memory), kept connection', query: 'call=produce&conn=bench&keep=1', sidecar: 'outrigger' },
  { name: 'Kafka sync produce (memory), connect per request', query: 'call=produce&conn=bench&keep=0', sidecar: 'outrigger' },
  ...(BROKER
    ? ([
        { name: 'Kafka sync produce (broker), kept connection', query: 'call=produce&conn=broker&keep=1', sidecar: 'outrigger' },
        { name: 'Kafka sync produce (broker), connect per request', query: 'call=produce&conn=broker&keep=0', sidecar: 'outrigger' },
      ] satisfies Scenario[])
    : []),
];

interface Run {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  /** Sidecar CPU per request, µs (null: no sidecar). */
  sidecarUs: number | null;
  /** CPU of all php-fpm workers per request, µs. */
  phpUs: number;
}

interface WrkReport {
  requests: number;
  duration_us: number;
  p50_us: number;
  p99_us: number;
  non2xx: number;
  socket_errors: number;
}

function wrk(url: string, seconds: number): WrkReport {
  const r = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-s', `${ROOT}bench/php-fpm/report.lua`, url], { encoding: 'utf8' });
  if (r.error) throw new Error(`wrk: ${r.error.message} (apt-get install wrk: test/peers/install-debian.sh)`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`wrk failed (${r.status}): ${r.stdout}${r.stderr}`);
  return JSON.parse(line) as WrkReport;
}

function buildGo(): string {
  const r = spawnSync('go', ['build', '-o', 'bin/', './...'], { cwd: `${ROOT}bench/peers`, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`go build in bench/peers failed: ${r.error?.message ?? r.stderr}`);
  return `${ROOT}bench/peers/bin/goridge-echo`;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  let releaseBroker: (() => void) | undefined;
  if (BROKER) {
    await requireKafkaPeer();
    releaseBroker = await lockKafkaPeer(); // the Kafka tests that kill the broker wait meanwhile
  }
  const goPort = await freePort();
  const goBin = buildGo();
  const go = spawn(goBin, ['-tcp', `127.0.0.1:${goPort}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    go.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && resolve());
    go.once('exit', (code) => reject(new Error(`goridge-echo exited with ${code}`)));
  });
  const port = await freePort();
  const daemon = await startDaemonProcess({
    logLevel: 'warn',
    listeners: { goridge: { tcp: { host: '127.0.0.1', port } } },
    metrics: { http: { port: 0 } },
    kafka: {
      driver: 'memory',
      connections: {
        bench: { brokers: ['127.0.0.1:9092'], auto_create_topics_enable: true },
        ...(BROKER ? { broker: { brokers: [PEER.plaintext], driver: 'kafkajs', auto_create_topics_enable: true } } : {}),
      },
    },
  });
  const fpm = await startFpmStack({
    docroot: `${ROOT}bench/php-fpm/www`,
    workers: WORKERS,
    env: { BENCH_OUTRIGGER_GORIDGE: `tcp://127.0.0.1:${port}`, BENCH_GO_GORIDGE: `tcp://127.0.0.1:${goPort}` },
  });
  const pidOf: Record<'outrigger' | 'go', number> = { outrigger: daemon.child.pid!, go: go.pid! };
  const phpCpu = (): number => sum(fpm.workerPids().map((p) => peerCpuMs(p) ?? 0));

  const measure = (s: Scenario): Run => {
    const url = `${fpm.url}/call.php?${s.query}`;
    wrk(url, WARMUP); // opcache, kept connections, JIT of the daemon
    const sidecarBefore = s.sidecar ? processCpuMs(pidOf[s.sidecar]) : 0;
    const phpBefore = phpCpu();
    const r = wrk(url, DURATION);
    const n = Math.max(1, r.requests);
    return {
      rps: r.requests / (r.duration_us / 1e6),
      p50: r.p50_us / 1000,
      p99: r.p99_us / 1000,
      failed: r.non2xx + r.socket_errors,
      sidecarUs: s.sidecar ? ((processCpuMs(pidOf[s.sidecar]) - sidecarBefore) * 1000) / n : null,
      phpUs: ((phpCpu() - phpBefore) * 1000) / n,
    };
  };

  const load = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim().replace(/.*load average:/, 'load average:');
  console.log(`bench/php-fpm — ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}; wrk, nginx, php-fpm and sidecars on one box`);
  console.log(
    `wrk -t1 -c${CONNECTIONS}, php-fpm pm=static ${WORKERS} workers, nginx 1 worker; ${ROUNDS} interleaved rounds, ` +
      `${WARMUP} s warm-up + ${DURATION} s each; medians. Before: ${load()}\n`,
  );
  const results = new Map<string, Run[]>(SCENARIOS.map((s) => [s.name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse();
      for (const s of order) {
        const r = measure(s);
        results.get(s.name)!.push(r);
        console.log(`  round ${round + 1}: ${s.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);
      }
    }
  } finally {
    await fpm.stop();
    await daemon.stop();
    go.kill('SIGTERM');
    releaseBroker?.();
  }

  const m = (name: string, key: keyof Run): number => median(results.get(name)!.map((r) => r[key] ?? NaN));
  const rps = (name: string): number => m(name, 'rps');
  const ceiling = rps(SCENARIOS[0]!.name);
  const goKept = rps('echo, Go server, kept connection');
  const goPer = rps('echo, Go server, connect per request');
  const table = [
    '| scenario | HTTP req/s | p50 ms | p99 ms | sidecar CPU µs/req | PHP CPU µs/req | vs ceiling | vs Go echo (same connection mode) | failed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of SCENARIOS) {
    const perRequest = s.query.includes('keep=0');
    const anchor = s.sidecar === null ? null : perRequest ? goPer : goKept;
    const sidecar = m(s.name, 'sidecarUs');
    table.push(
      `| ${s.name} | ${rps(s.name).toFixed(0)} | ${m(s.name, 'p50').toFixed(2)} | ${m(s.name, 'p99').toFixed(2)} | ` +
        `${Number.isNaN(sidecar) ? '—' : sidecar.toFixed(0)} | ${m(s.name, 'phpUs').toFixed(0)} | ` +
        `${(rps(s.name) / ceiling).toFixed(2)} | ${anchor === null ? '—' : `${(rps(s.name) / anchor).toFixed(2)}x`} | ` +
        `${sum(results.get(s.name)!.map((r) => r.failed))} |`,
    );
  }
  console.log(`\nAfter: ${load()}\n`);
  console.log(table.join('\n'));
  const keptGain = rps('echo, Outrigger, kept connection') / rps('echo, Outrigger, connect per request');
  console.log(`\nOutrigger echo, kept / connect per request: ${keptGain.toFixed(2)}x`);
}

await main();
