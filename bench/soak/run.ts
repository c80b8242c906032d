// bench/soak: every listener and feature under a steady mixed load at once,
// for as long as asked, watching whether the daemon stays level: RSS, heaps,
// handles and event-loop delay sampled every few seconds, their slopes after
// warm-up, errors per load. Writes samples.csv, summary.json and plot.svg.
//
//   test/peers/kafka.sh start && test/peers/opensearch.sh start && test/peers/modbus.sh build
//   node bin/run-ts.mjs bench/soak/run.ts [--minutes 30] [--warmup 5] [--interval 5] [--out DIR]
//     [--ipc 200] [--goridge 100] [--goridge-per-connection 20] [--produce 200] [--produce-sync 10]
//     [--canal 20] [--devices 10] [--points 50] [--isp-churn-seconds 20] [--port-offset 0]
//   node bin/run-ts.mjs bench/soak/run.ts --samples DIR/samples.csv --warmup 5 --out DIR2   # summary and plot of a recorded run
// Rates are per second (--canal: Canal messages of 5 rows; --devices x --points float32 points each second).
// Exit code 1 when any load saw an error or the daemon died.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTopic, KAFKA_BROKER, requirePeers } from '../../test/actors/es/peers.ts';
import { OPENSEARCH } from '../../test/actors/es/search-peers.ts';
import { samplesFromCsv, samplesToCsv } from './csv.ts';
import { type SoakRates, type SoakTargets, startLoads } from './loads.ts';
import { plotSvg, summarize } from './report.ts';
import { Sampler } from './sample.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    interval: { type: 'string', default: '5' },
    out: { type: 'string', default: `/tmp/outrigger-soak-${new Date().toISOString().replace(/[:.]/g, '-')}` },
    ipc: { type: 'string', default: '200' },
    goridge: { type: 'string', default: '100' },
    'goridge-per-connection': { type: 'string', default: '20' },
    produce: { type: 'string', default: '200' },
    'produce-sync': { type: 'string', default: '10' },
    canal: { type: 'string', default: '20' },
    devices: { type: 'string', default: '10' },
    points: { type: 'string', default: '50' },
    'isp-churn-seconds': { type: 'string', default: '20' },
    'port-offset': { type: 'string', default: '0' },
    samples: { type: 'string' },
  },
});
const SECONDS = Number(a.minutes) * 60;
const WARMUP = Math.min(Number(a.warmup) * 60, SECONDS / 2);
const INTERVAL_MS = Number(a.interval) * 1000;
const rates: SoakRates = {
  ipc: Number(a.ipc),
  goridge: Number(a.goridge),
  goridgePerConnection: Number(a['goridge-per-connection']),
  produce: Number(a.produce),
  produceSync: Number(a['produce-sync']),
  canal: Number(a.canal),
  devices: Number(a.devices),
  points: Number(a.points),
  ispChurnSeconds: Number(a['isp-churn-seconds']),
};
// --port-offset N moves every port (and the run directory), so two soaks can run side by side.
const OFFSET = Number(a['port-offset']);
const PORTS = { goridge: 16001 + OFFSET, isp: 16052 + OFFSET, metrics: 16464 + OFFSET, modbus: 15602 + OFFSET };
const RUN_DIR = `/tmp/outrigger-soak${OFFSET ? `-${OFFSET}` : ''}`;
const INDEX = `soak${OFFSET || ''}_orders`;
const targets: SoakTargets = {
  ipcPath: join(RUN_DIR, 'ipc.sock'),
  goridgePort: PORTS.goridge,
  ispPort: PORTS.isp,
  modbusPort: PORTS.modbus,
  eventsTopic: `soak${OFFSET || ''}.events`,
  canalTopic: `soak${OFFSET || ''}.canal`,
};

function startDaemon(): Promise<ChildProcess> {
  const env = {
    ...process.env,
    SOAK_RUN_DIR: RUN_DIR,
    SOAK_GORIDGE_PORT: String(PORTS.goridge),
    SOAK_ISP_PORT: String(PORTS.isp),
    SOAK_METRICS_PORT: String(PORTS.metrics),
    SOAK_MODBUS_PORT: String(PORTS.modbus),
    SOAK_KAFKA: KAFKA_BROKER,
    SOAK_OPENSEARCH: OPENSEARCH.url,
    SOAK_CANAL_TOPIC: targets.canalTopic,
    SOAK_INDEX: INDEX,
  };
  const proc = spawn(process.execPath, [`${ROOT}bin/outrigger.mjs`, 'start', '--foreground', '--config', `${ROOT}bench/soak/soak.config.ts`], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('OUTRIGGER READY')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`daemon exited with ${code} before it was ready`)));
  });
}

const modbus = (...args: string[]): string => execFileSync(`${ROOT}test/peers/modbus.sh`, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

async function main(): Promise<number> {
  await requirePeers([OPENSEARCH]);
  await createTopic(targets.eventsTopic, 4);
  // One partition: a Canal topic keyed by table keeps each row's changes in order; with rows spread over
  // partitions, later versions of a row would race earlier ones and count as stale.
  await createTopic(targets.canalTopic, 1);
  await OPENSEARCH.recreateIndex(INDEX);
  modbus('stop', String(PORTS.modbus));
  modbus('start-libmodbus', String(PORTS.modbus));
  mkdirSync(a.out!, { recursive: true });
  const daemon = await startDaemon();
  let died = false;
  let stopping = false;
  daemon.once('exit', (code, signal) => {
    if (stopping) return;
    died = true;
    console.error(`daemon exited (code ${code}, signal ${signal}) during the soak`);
  });
  const { loads, close } = await startLoads(targets, rates);
  const sampler = new Sampler(daemon.pid!, `http://127.0.0.1:${PORTS.metrics}/metrics`, loads, performance.now());
  console.log(`soak: ${SECONDS / 60} min, warm-up ${WARMUP / 60} min, a sample every ${INTERVAL_MS / 1000} s; out ${a.out}; load ${loadavg()[0]!.toFixed(1)}`);
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end && !died) {
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
    if (died) break;
    const s = await sampler.take().catch((err: unknown) => console.error(`sample failed: ${(err as Error).message}`));
    if (s) console.log(`${(s.t / 60).toFixed(1)} min  rss ${s.rssMb.toFixed(0)} MB  heap ${s.heapMb.toFixed(1)} MB  workers ${s.workerHeapMb.toFixed(1)} MB  handles ${s.handles}  eld p99 ${s.eldP99Ms.toFixed(1)} ms  cpu ${s.cpuPct.toFixed(0)}%  errors ${s.errors}`);
  }
  for (const l of loads) await l.stop();
  close();
  const errors = Object.fromEntries(loads.map((l) => [l.name, { errors: l.counters.errors, skipped: l.counters.skipped, first: l.counters.firstErrors }]));
  const es = died ? null : await fetchEsStatus();
  if (!died) {
    stopping = true;
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
  modbus('stop', String(PORTS.modbus));
  const samples = sampler.samples;
  if (samples.filter((s) => s.t >= WARMUP).length < 2) throw new Error('too few samples after warm-up for a summary');
  const summary = { ...summarize(samples, WARMUP, errors), rates, es, load: loadavg().map((x) => Math.round(x * 10) / 10) };
  writeFileSync(join(a.out!, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(a.out!, 'samples.csv'), samplesToCsv(samples));
  writeFileSync(join(a.out!, 'plot.svg'), plotSvg(samples, WARMUP, plotTitle(SECONDS)));
  console.log(JSON.stringify(summary, null, 2));
  const failed = died || Object.values(errors).some((e) => e.errors > 0);
  console.log(failed ? 'soak: FAILED (errors or the daemon died; see summary.json)' : 'soak: no errors');
  return failed ? 1 : 0;
}

/** The pipeline's own counters at the end (documents written, dead letters), over the unix socket. */
async function fetchEsStatus(): Promise<unknown> {
  const { IpcClient } = await import('../../clients/ts/ipc-client.ts');
  const c = new IpcClient({ path: targets.ipcPath, timeoutMs: 10_000 });
  try {
    return await c.call('es.status');
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    c.close();
  }
}

const plotTitle = (seconds: number): string => `Outrigger soak: ${Math.round(seconds / 60)} min, mixed load on every listener and feature`;

/** --samples FILE: summary and plot of a recorded run again, from its samples.csv (errors and rates are not in it). */
function fromSamples(file: string): number {
  const samples = samplesFromCsv(readFileSync(file, 'utf8'));
  const warmup = Number(a.warmup) * 60;
  const summary = summarize(samples, warmup, {});
  mkdirSync(a.out!, { recursive: true });
  writeFileSync(join(a.out!, 'plot.svg'), plotSvg(samples, warmup, plotTitle(samples.at(-1)!.t)));
  console.log(JSON.stringify(summary, null, 2));
  return 0;
}

process.exitCode = a.samples ? fromSamples(a.samples) : await main();
