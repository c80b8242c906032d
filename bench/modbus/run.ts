// bench/modbus: points per second polled from many simulated devices on a
// libmodbus server, decoded and delivered as ISP DATA to a gateway client,
// with the CPU time the daemon used (all its threads, from /proc), compared
// with the goal (>= 100k points/s at < 60% of one core) and with Neuron's
// published figure (100k points/s at 30% of 4 cores).
//
// Run: node bin/run-ts.mjs bench/modbus/run.ts [--devices 100] [--points 1000]
//        [--interval 1000] [--type float32] [--seconds 10] [--warmup 4]
//        [--servers 1] [--workers 1]
//   --servers N spreads the devices over N libmodbus processes (one server
//   answers requests one at a time, which caps the ceiling runs);
//   --workers N runs the modbus actor on N worker threads.
// Needs: test/peers/install-debian.sh (libmodbus-dev, gcc) for the server.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { processCpuMs, processRssMiB } from '../lib/proc-cpu.ts';
import { LineDecoder } from '../../runtime/codec/lines.ts';
import { parseIspLine } from '../../actors/modbus/isp/codec.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : def;
};
const DEVICES = Number(opt('devices', '100'));
const POINTS = Number(opt('points', '1000'));
const INTERVAL = Number(opt('interval', '1000'));
const TYPE = opt('type', 'float32');
const SECONDS = Number(opt('seconds', '10'));
const WARMUP = Number(opt('warmup', '4'));
const SERVER_PORT = Number(opt('server-port', '15502'));
const SERVERS = Number(opt('servers', '1'));
const WORKERS = Number(opt('workers', '1'));
const ISP_PORT = Number(opt('isp-port', '15052'));

const GOAL_PPS = 100_000;
const GOAL_CORES = 0.6;
const NEURON = { pps: 100_000, cores: 0.3 * 4 };
const WIDTH: Record<string, number> = { uint16: 1, int16: 1, float32: 2, int32: 2, uint32: 2, float64: 4, int64: 4 };

const cpuSeconds = (pid: number): number => processCpuMs(pid) / 1000;

function peer(...args: string[]): string {
  return execFileSync(`${ROOT}test/peers/modbus.sh`, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function startDaemon(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [`${ROOT}bin/outrigger.mjs`, 'start', '--foreground', '--config', `${ROOT}bench/modbus/bench.config.ts`], {
    env: { ...process.env, ISP_PORT: String(ISP_PORT), BENCH_MODBUS_WORKERS: String(WORKERS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('OUTRIGGER READY')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
  });
}

/**
 * The gateway: counts points by scanning for `"quality":` (one per point),
 * so its own cost stays small; the first lines are fully validated.
 */
class CountingGateway {
  points = 0;
  bad = 0;
  bytes = 0;
  validated = 0;
  invalid: string[] = [];
  readonly #replies = new Map<string, (payload: Record<string, unknown>) => void>();
  readonly #decoder = new LineDecoder(64 * 1024 * 1024);
  #carry = Buffer.alloc(0);
  #validate = true;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    // A gateway that says nothing for 3 heartbeat intervals (45 s) is dropped.
    const beat = setInterval(() => socket.write('{"type":"HEARTBEAT"}\n'), 15_000);
    socket.on('close', () => clearInterval(beat));
  }

  static connect(port: number): Promise<CountingGateway> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new CountingGateway(s)));
      s.once('error', reject);
    });
  }

  #onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.#validate || this.#replies.size > 0) {
      this.#decoder.push(chunk, (line) => this.#onLine(line), (e) => this.invalid.push(e.message));
    }
    const buf = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    let countedTo = 0;
    let pending = -1;
    for (let i = buf.indexOf(QUALITY); i >= 0; i = buf.indexOf(QUALITY, countedTo)) {
      if (i + QUALITY.length >= buf.length) {
        pending = i; // its value is in the next chunk
        break;
      }
      if (buf[i + QUALITY.length] === 0x31 /* "1" */) this.points++;
      else this.bad++;
      countedTo = i + QUALITY.length + 1;
    }
    // Keep what may hold the start of a needle cut by the chunk boundary.
    const from = pending >= 0 ? pending : Math.max(countedTo, buf.length - QUALITY.length);
    this.#carry = from < buf.length ? Buffer.from(buf.subarray(from)) : Buffer.alloc(0);
  }

  #onLine(line: Buffer): void {
    const r = parseIspLine(line, 'sidecar');
    if (!r.ok) {
      this.invalid.push(`${r.error.code}: ${r.error.message}`);
      return;
    }
    if (r.msg.type === 'DATA' && this.#validate && ++this.validated >= 2000) this.#validate = false;
    if (r.msg.type === 'RESPONSE' && r.msg.id !== undefined) {
      this.#replies.get(r.msg.id)?.(r.msg.payload!);
      this.#replies.delete(r.msg.id);
    }
  }

  #seq = 0;

  request(type: 'CONFIG' | 'STATUS', payload: unknown): Promise<Record<string, unknown>> {
    const id = `${type}-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      this.#replies.set(id, (p) => (p.success === true ? resolve(p) : reject(new Error(JSON.stringify(p)))));
      this.socket.write(JSON.stringify({ type, id, timestamp: Date.now() * 1e6, payload }) + '\n');
    });
  }

  /** Points the daemon polled (all devices), poll overruns, and DATA dropped for slow gateways. */
  async daemonCounters(): Promise<{ polled: number; overruns: number; dropped: number }> {
    const p = await this.request('STATUS', { values: false });
    const devices = p.devices as { counters: { points_out: number; overruns: number } }[];
    return {
      polled: devices.reduce((n, d) => n + d.counters.points_out, 0),
      overruns: devices.reduce((n, d) => n + d.counters.overruns, 0),
      dropped: (p.counters as { data_dropped_points: number }).data_dropped_points,
    };
  }
}

const QUALITY = '"quality":';
const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
const pct = (cores: number): string => `${(cores * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const width = WIDTH[TYPE];
  if (!width) throw new Error(`--type must be one of ${Object.keys(WIDTH).join(', ')}`);
  if (POINTS * width > 9000) throw new Error('--points x type width must fit the server\'s 10000 registers');
  const ports = Array.from({ length: SERVERS }, (_, i) => SERVER_PORT + i);
  for (const p of ports) {
    peer('stop', String(p));
    peer('start-libmodbus', String(p));
  }
  const serverPids = ports.map((p) => Number(readFileSync(`${ROOT}.peers/modbus/${p}.pid`, 'utf8')));
  const serversCpu = (): number => serverPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const daemon = await startDaemon();
  const gw = await CountingGateway.connect(ISP_PORT);
  try {
    for (let d = 0; d < DEVICES; d++) {
      const base = (d * 37) % (10_000 - POINTS * width);
      const registers = Array.from({ length: POINTS }, (_, i) => ({ key: `p${i}`, address: base + i * width, type: TYPE }));
      const address = `127.0.0.1:${ports[d % SERVERS]}`;
      await gw.request('CONFIG', { name: `dev-${d}`, address, interval_ms: INTERVAL, timeout_ms: 3000, registers });
    }
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
    const c0 = await gw.daemonCounters();
    const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const p0 = gw.points;
    const b0 = gw.bad;
    const bytes0 = gw.bytes;
    const cpu0 = cpuSeconds(daemon.pid!);
    const srv0 = serversCpu();
    const rss0 = processRssMiB(daemon.pid!);
    const me0 = process.cpuUsage();
    const t0 = performance.now();
    const rssSeries: number[] = [];
    const sampler = setInterval(() => rssSeries.push(Math.round(processRssMiB(daemon.pid!))), 5000);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    clearInterval(sampler);
    const wall = (performance.now() - t0) / 1000;
    const pps = (gw.points - p0) / wall;
    const badPerS = (gw.bad - b0) / wall;
    const cores = (cpuSeconds(daemon.pid!) - cpu0) / wall;
    const serverCores = (serversCpu() - srv0) / wall;
    const rss1 = processRssMiB(daemon.pid!);
    const c1 = await gw.daemonCounters();
    const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const polled = (c1.polled - c0.polled) / wall;
    const me = process.cpuUsage(me0);
    const clientCores = (me.user + me.system) / 1e6 / wall;
    const mbps = (gw.bytes - bytes0) / wall / 1024 / 1024;
    const offered = (DEVICES * POINTS * 1000) / INTERVAL;

    console.log(`bench/modbus — ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}`);
    console.log(
      `${DEVICES} devices x ${POINTS} ${TYPE} points every ${INTERVAL} ms on ${SERVERS} libmodbus server(s), modbus actor on ${WORKERS} worker(s)` +
        ` (offered ${k(offered)} points/s), ${WARMUP} s warm-up + ${SECONDS} s measured\n`,
    );
    console.log(`polled and decoded          : ${k(polled)} points/s (${c1.overruns - c0.overruns} poll overruns, ${c1.dropped - c0.dropped} points dropped for a slow gateway)`);
    console.log(`delivered to the ISP gateway : ${k(pps)} points/s good (${badPerS.toFixed(0)}/s quality 0), ${mbps.toFixed(1)} MiB/s of DATA`);
    console.log(`daemon CPU (all threads)     : ${pct(cores)} of one core, RSS ${rss0.toFixed(0)} -> ${rss1.toFixed(0)} MiB over the window`);
    if (rssSeries.length > 1) console.log(`  RSS every 5 s (MiB)        : ${rssSeries.join(' ')}`);
    console.log(`  for comparison             : libmodbus server(s) ${pct(serverCores)}, this gateway client ${pct(clientCores)}`);
    console.log(`points per daemon CPU-second : ${k(pps / cores)}`);
    console.log(`\ngoal (>= 100k points/s at < 60% of one core):`);
    console.log(`  throughput ratio ${(pps / GOAL_PPS).toFixed(2)}x the goal, CPU ${(cores / GOAL_CORES).toFixed(2)}x the budget -> ${pps >= GOAL_PPS * 0.98 && cores < GOAL_CORES ? 'MET' : 'NOT MET'}`);
    console.log(`Neuron anchor (100k points/s at 30% of 4 cores = ${k(NEURON.pps / NEURON.cores)} points per CPU-second):`);
    console.log(`  ours/Neuron points per CPU-second = ${(pps / cores / (NEURON.pps / NEURON.cores)).toFixed(2)}x`);
    console.log(`machine load average (1 min) : ${load0} at start, ${load1} at end (other processes on this machine compete for its ${cpus().length} cores)`);
    console.log(`validated ${gw.validated} DATA lines, ${gw.invalid.length} invalid${gw.invalid.length ? `: ${gw.invalid.slice(0, 3).join(' | ')}` : ''}`);
    console.log(
      JSON.stringify({ devices: DEVICES, points: POINTS, type: TYPE, intervalMs: INTERVAL, servers: SERVERS, workers: WORKERS, polled: Math.round(polled), pps: Math.round(pps), badPerS: Math.round(badPerS), cores: +cores.toFixed(3), serverCores: +serverCores.toFixed(3), clientCores: +clientCores.toFixed(3), rssMiB: Math.round(rss1) }),
    );
  } finally {
    gw.socket.destroy();
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    for (const p of ports) peer('stop', String(p));
  }
}

await main();
