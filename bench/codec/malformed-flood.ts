/*
 * A malformed-request flood on one IPC connection, and what it costs another:
 * a daemon process (this checkout's, or another's with --root) answers
 * pipelined sync frames whose envelope is malformed (MALFORMED_JSON) as fast
 * as one client sends them, while a second connection calls sys.ping every
 * 20 ms. Prints malformed frames answered per second and the probe latency.
 *
 *   node bin/run-ts.mjs bench/codec/malformed-flood.ts [--seconds 5] [--root DIR]
 *
 * DIR is a checkout with node_modules (e.g. a `git archive` of another
 * commit with this checkout's node_modules symlinked into it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IpcClient } from '../../clients/ts/ipc-client.ts';
import { encodeIpcFrame, IPC_V1_0, IpcDecoder, IpcType } from '../../runtime/codec/ipc.ts';
import { fmt, latency } from '../lib/stats.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const seconds = Number(arg('seconds') ?? 5);
const root = resolve(arg('root') ?? '.');

async function startDaemon(): Promise<{ child: ChildProcess; runDir: string }> {
  const runDir = mkdtempSync(join(tmpdir(), 'outrigger-flood-'));
  const config = {
    runDir,
    logLevel: 'error',
    metrics: { enabled: false },
    actors: { kafka: { enabled: false }, modbus: { enabled: false } },
    listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } },
  };
  writeFileSync(join(runDir, 'config.mjs'), `export default ${JSON.stringify(config)};\n`);
  const child = spawn(process.execPath, [join(root, 'bin/outrigger.mjs'), 'start', '--foreground', '--config', join(runDir, 'config.mjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('OUTRIGGER READY')) ok();
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', () => fail(new Error(`daemon exited:\n${out}`)));
  });
  return { child, runDir };
}

const { child, runDir } = await startDaemon();
const path = join(runDir, 'ipc.sock');
const deadline = performance.now() + seconds * 1000;

// Flood: batches of malformed sync requests, counting the error replies.
const bad = encodeIpcFrame(IPC_V1_0, IpcType.SYNC, '{"id":1,"method":5}');
const batch = Buffer.concat(Array<Buffer>(256).fill(bad));
let answered = 0;
const flood = net.connect(path);
const dec = new IpcDecoder(1 << 20);
flood.on('data', (c: Buffer) => dec.push(c, () => void answered++));
await new Promise((r) => flood.once('connect', r));
const flooding = (async () => {
  while (performance.now() < deadline) {
    if (!flood.write(batch)) await new Promise((r) => flood.once('drain', r));
  }
})();

const probe = new IpcClient({ path, heartbeatMs: 0 });
const samples: number[] = [];
while (performance.now() < deadline) {
  const t0 = performance.now();
  await probe.call('sys.ping', undefined, { timeoutMs: 10_000 });
  samples.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 20));
}
await flooding;
const l = latency(samples);
console.log(
  `${root}: ${fmt(answered / seconds)} malformed frames answered/s; probe sys.ping p50 ${fmt(l.p50, 2)} ms, p99 ${fmt(l.p99, 2)} ms, max ${fmt(l.max, 1)} ms (${l.n} probes)`,
);
probe.close();
flood.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(runDir, { recursive: true, force: true });
