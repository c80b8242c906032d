// Listener-level fuzzing: a real daemon process (bin/outrigger.mjs) with the
// Goridge TCP, IPC unix and TCP, and ISP TCP listeners; several connections
// send mutated and hostile streams while a health probe calls sys.ping over
// another IPC connection (its worker is not the one decoding the fuzzed
// bodies, see fixtures/actors/fuzzsink.ts). Records inputs tried, crashes (daemon exit), hangs
// (probe over its deadline), the daemon's peak RSS and the worst probe latency.
// Only loopback addresses are used; the Kafka and Modbus actors are off, so
// no fuzzed request can make the daemon connect anywhere.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { encodeGoridgeRequest } from '../../runtime/codec/goridge.ts';
import { encodeIpcFrame, IPC_V1_1, IpcType } from '../../runtime/codec/ipc.ts';
import { startDaemonProcess } from '../helpers/daemon-process.ts';
import { prng } from '../helpers/prng.ts';
import { gobTarget, jsonTarget, msgpackTarget } from './body-targets.ts';
import { type Rand, int, mutate, pick } from './lib/mutate.ts';
import { subSeed } from './lib/options.ts';
import { goridgeTarget, ipcTarget, ispTarget } from './stream-targets.ts';

const FUZZSINK = fileURLToPath(new URL('../fixtures/actors/fuzzsink.ts', import.meta.url));
const PROBE_EVERY_MS = 100;
const PROBE_DEADLINE_MS = 5000;
const STREAM_MAX_MS = 3000;

export interface ListenerReport {
  readonly seed: number;
  readonly seconds: number;
  /** Streams sent, and frames or lines in them before mutation. */
  readonly inputs: number;
  readonly bytes: number;
  readonly byListener: Record<string, number>;
  readonly crashes: number;
  readonly hangs: number;
  readonly probes: number;
  readonly probeWorstMs: number;
  readonly probeP99Ms: number;
  readonly peakRssMb: number;
  readonly output: string;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Peak resident set (VmHWM) of a process, in MiB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Listener {
  readonly name: string;
  connect(): net.Socket;
  stream(rand: Rand): Buffer;
}

const IPC_REQUESTS = [
  '{"id":1,"method":"fuzzsink.echo","params":{"topic":"t","value":"hello","n":[1,2.5,null,true]}}',
  '{"id":"a","method":"fuzzsink.echo","params":"x","timeout":500}',
  '{"method":"fuzzsink.echo","params":[{"k":"\\u00e9"}],"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}',
].map((s) => Buffer.from(s));

/** A request to a real method with a mutated body, so bodies reach the decoders behind the listener. */
function goridgeBodyFrame(rand: Rand): Buffer {
  const [flag, target] = pick(rand, [[0x20, gobTarget], [0x10, msgpackTarget], [0x08, jsonTarget]] as const);
  const body = rand() < 0.1 ? pick(rand, target.hostile)(rand) : mutate(rand, target.corpus);
  return encodeGoridgeRequest(int(rand, 2 ** 32), pick(rand, ['fuzzsink.echo', 'App.Echo']), flag, body);
}

function ipcBodyFrame(rand: Rand): Buffer {
  const payload = rand() < 0.1 ? pick(rand, jsonTarget.hostile)(rand) : mutate(rand, IPC_REQUESTS);
  return encodeIpcFrame(IPC_V1_1, pick(rand, [IpcType.SYNC, IpcType.ASYNC_REQUEST]), payload);
}

function streamOf(rand: Rand, target: typeof goridgeTarget, bodyFrame: ((r: Rand) => Buffer) | null): Buffer {
  const parts: Buffer[] = [];
  for (let n = 1 + int(rand, 6); n > 0; n--) {
    const r = rand();
    if (bodyFrame && r < 0.4) parts.push(bodyFrame(rand));
    else if (r < 0.85) parts.push(mutate(rand, target.corpus));
    else parts.push(pick(rand, target.hostile)(rand));
  }
  return Buffer.concat(parts);
}

/** ISP lines without CONFIG: a device config could name a host to connect to. */
function ispStream(rand: Rand): Buffer {
  const corpus = ispTarget.corpus.filter((b) => !b.includes('CONFIG'));
  for (;;) {
    const s = streamOf(rand, { ...ispTarget, corpus }, null);
    if (!/config/i.test(s.toString('latin1'))) return s;
  }
}

/**
 * Writes `data` in random chunks, then waits a little for replies (discarded)
 * before closing. A stream that the daemon stops reading (backpressure) is cut
 * after STREAM_MAX_MS: the fuzzer never waits on the daemon forever.
 */
async function sendStream(sock: net.Socket, data: Buffer, rand: Rand): Promise<void> {
  sock.on('data', () => {});
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  const cut = setTimeout(() => sock.destroy(), STREAM_MAX_MS);
  const until = (event: string): Promise<void> => Promise.race([closed, new Promise<void>((r) => sock.once(event, () => r()))]);
  await until('connect');
  for (let o = 0; o < data.length && !sock.destroyed; ) {
    const n = 1 + int(rand, rand() < 0.2 ? 16 : 65_536);
    const ok = sock.write(data.subarray(o, o + n));
    o += n;
    if (!ok) await until('drain');
    if (rand() < 0.05) await new Promise((r) => setTimeout(r, int(rand, 20)));
  }
  await Promise.race([closed, new Promise((r) => setTimeout(r, int(rand, 50)))]);
  clearTimeout(cut);
  sock.destroy();
}

export async function fuzzListeners(seed: number, seconds: number, connections = 4): Promise<ListenerReport> {
  const [ipcPort, goridgePort, ispPort] = [await freePort(), await freePort(), await freePort()];
  const daemon = await startDaemonProcess({
    logLevel: 'error',
    metrics: { enabled: false },
    actors: { kafka: { enabled: false }, modbus: { enabled: false }, fuzzsink: { module: FUZZSINK } },
    listeners: {
      ipc: { unix: { path: 'ipc.sock' }, tcp: { host: '127.0.0.1', port: ipcPort } },
      goridge: { enabled: true, tcp: { host: '127.0.0.1', port: goridgePort } },
      isp: { enabled: true, tcp: { host: '127.0.0.1', port: ispPort }, maxLineBytes: 64 * 1024 },
    },
  });
  const pid = daemon.child.pid!;
  let crashed = false;
  daemon.child.once('exit', () => (crashed = true));
  const tcp = (port: number) => () => net.connect({ host: '127.0.0.1', port });
  const listeners: Listener[] = [
    { name: 'goridge-tcp', connect: tcp(goridgePort), stream: (r) => streamOf(r, goridgeTarget, goridgeBodyFrame) },
    { name: 'ipc-unix', connect: () => net.connect(daemon.ipcPath), stream: (r) => streamOf(r, ipcTarget, ipcBodyFrame) },
    { name: 'ipc-tcp', connect: tcp(ipcPort), stream: (r) => streamOf(r, ipcTarget, ipcBodyFrame) },
    { name: 'isp-tcp', connect: tcp(ispPort), stream: ispStream },
  ];
  const byListener: Record<string, number> = Object.fromEntries(listeners.map((l) => [l.name, 0]));
  const deadline = performance.now() + seconds * 1000;
  let inputs = 0;
  let bytes = 0;

  const probe = daemon.client();
  const latencies: number[] = [];
  let hangs = 0;
  const probing = (async () => {
    while (performance.now() < deadline && !crashed) {
      const t0 = performance.now();
      try {
        await probe.call('sys.ping', undefined, { timeoutMs: PROBE_DEADLINE_MS });
        latencies.push(performance.now() - t0);
      } catch {
        hangs++;
        latencies.push(performance.now() - t0);
      }
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
    }
  })();

  const worker = async (k: number): Promise<void> => {
    const rand = prng(subSeed(seed, `listener-${k}`));
    while (performance.now() < deadline && !crashed) {
      const l = pick(rand, listeners);
      const data = l.stream(rand);
      inputs++;
      bytes += data.length;
      byListener[l.name]!++;
      await sendStream(l.connect(), data, rand);
    }
  };
  await Promise.all([probing, ...Array.from({ length: connections }, (_, k) => worker(k))]);
  const died = crashed;
  const peak = died ? NaN : peakRssMb(pid);
  const output = daemon.output();
  await daemon.stop();
  latencies.sort((a, b) => a - b);
  return {
    seed,
    seconds,
    inputs,
    bytes,
    byListener,
    crashes: died ? 1 : 0,
    hangs,
    probes: latencies.length,
    probeWorstMs: latencies.at(-1) ?? NaN,
    probeP99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN,
    peakRssMb: peak,
    output,
  };
}

export function formatListenerReport(r: ListenerReport): string {
  const per = Object.entries(r.byListener).map(([k, v]) => `${k} ${v}`).join(', ');
  return (
    `listeners: ${r.inputs} streams (${per}; ${(r.bytes / 2 ** 20).toFixed(1)} MiB) in ${r.seconds} s; ` +
    `crashes ${r.crashes}, hangs ${r.hangs}; probe sys.ping x${r.probes}: p99 ${r.probeP99Ms.toFixed(1)} ms, worst ${r.probeWorstMs.toFixed(1)} ms; ` +
    `daemon peak RSS ${r.peakRssMb.toFixed(0)} MiB`
  );
}
