/*
 * Stream decoders (Goridge, binary IPC, ISP lines) side by side with another
 * copy of runtime/codec, in one process and one run:
 *
 *   mkdir /tmp/codec-base && echo '{"type":"module"}' > /tmp/codec-base/package.json
 *   git archive <commit> runtime/codec | tar -x -C /tmp/codec-base
 *   node bin/run-ts.mjs bench/codec/decoders.ts --baseline /tmp/codec-base [--time 1000]
 *
 * Without --baseline it measures this checkout alone. Cases: small frames one
 * per chunk, 32 per chunk (pipelined), one frame cut across two chunks, and a
 * large frame (16 MiB; ISP: a 1 MiB line) arriving in 64 KiB chunks; and
 * the cost of refusing a malformed IPC envelope and a garbage ISP line.
 */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { fmt } from '../lib/stats.ts';

import type * as GoridgeModule from '../../runtime/codec/goridge.ts';
import type * as IpcModule from '../../runtime/codec/ipc.ts';
import type * as LinesModule from '../../runtime/codec/lines.ts';
import type * as IspModule from '../../actors/modbus/isp/codec.ts';
import type * as EnvelopeModule from '../../runtime/codec/json-envelope.ts';

type GoridgeMod = typeof GoridgeModule;
type IpcMod = typeof IpcModule;
/** The line splitter and the ISP line parser (one module in older checkouts, two since). */
type IspMod = Pick<typeof LinesModule, 'LineDecoder'> & Pick<typeof IspModule, 'parseIspLine'>;
type EnvelopeMod = typeof EnvelopeModule;

interface Codecs {
  goridge: GoridgeMod;
  ipc: IpcMod;
  isp: IspMod;
  envelope: EnvelopeMod;
}

async function load(root: string): Promise<Codecs> {
  const at = (f: string): string => pathToFileURL(resolve(root, 'runtime/codec', f)).href;
  const split = existsSync(resolve(root, 'runtime/codec/lines.ts'));
  const isp = split
    ? { ...((await import(at('lines.ts'))) as object), ...((await import(pathToFileURL(resolve(root, 'actors/modbus/isp/codec.ts')).href)) as object) }
    : ((await import(at('isp.ts'))) as object);
  return {
    goridge: (await import(at('goridge.ts'))) as GoridgeMod,
    ipc: (await import(at('ipc.ts'))) as IpcMod,
    isp: isp as IspMod,
    envelope: (await import(at('json-envelope.ts'))) as EnvelopeMod,
  };
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const CHUNK = 64 * 1024;
const BIG = 16 * 1024 * 1024;
const BIG_LINE = 1024 * 1024;
const BATCH = 32;

function chunksOf(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  // Each chunk its own memory, as socket reads deliver them.
  for (let o = 0; o < b.length; o += size) out.push(Buffer.from(b.subarray(o, o + size)));
  return out;
}

function split2(b: Buffer): Buffer[] {
  const cut = Math.floor(b.length / 2);
  return [Buffer.from(b.subarray(0, cut)), Buffer.from(b.subarray(cut))];
}

interface Case {
  name: string;
  /** Frames (or lines) one run of `run` decodes. */
  perRun: number;
  run: (c: Codecs) => () => void;
}

const body = Buffer.from(JSON.stringify({ topic: 'orders', key: 'k-1', value: 'x'.repeat(48) }));
const ipcPayload = Buffer.from(JSON.stringify({ id: 1, method: 'kafka.produce', params: { topic: 'orders', key: 'k-1', value: 'x'.repeat(40) } }));
const ispLine = Buffer.from(`{"type":"STATUS","id":"s-1","timestamp":1700000000000000000,"payload":{"device":"plc-1"}}\n`);

function goridgeCase(name: string, perRun: number, chunks: (g: GoridgeMod) => Buffer[]): Case {
  return {
    name: `goridge ${name}`,
    perRun,
    run: (c) => {
      const data = chunks(c.goridge);
      const dec = new c.goridge.GoridgeDecoder();
      return () => {
        let n = 0;
        for (const ch of data) n += dec.push(ch).frames.length;
        if (n !== perRun) throw new Error(`goridge ${name}: ${n} frames`);
      };
    },
  };
}

function ipcCase(name: string, perRun: number, chunks: (i: IpcMod) => Buffer[]): Case {
  return {
    name: `ipc ${name}`,
    perRun,
    run: (c) => {
      const data = chunks(c.ipc);
      const dec = new c.ipc.IpcDecoder(64 * 1024 * 1024);
      let n = 0;
      const onFrame = (): void => void n++;
      return () => {
        n = 0;
        for (const ch of data) dec.push(ch, onFrame);
        if (n !== perRun) throw new Error(`ipc ${name}: ${n} frames`);
      };
    },
  };
}

function ispCase(name: string, perRun: number, chunks: () => Buffer[]): Case {
  return {
    name: `isp ${name}`,
    perRun,
    run: (c) => {
      const data = chunks();
      const dec = new c.isp.LineDecoder(2 * BIG_LINE);
      let n = 0;
      const onLine = (): void => void n++;
      const onError = (): void => {
        throw new Error('line refused');
      };
      return () => {
        n = 0;
        for (const ch of data) dec.push(ch, onLine, onError);
        if (n !== perRun) throw new Error(`isp ${name}: ${n} lines`);
      };
    },
  };
}

const goridgeFrame = (g: GoridgeMod): Buffer => g.encodeGoridgeRequest(7, 'Kafka.Produce', 0x08, body);
const ipcFrame = (i: IpcMod): Buffer => i.encodeIpcFrame(i.IPC_V1_1, i.IpcType.SYNC, ipcPayload);

const CASES: Case[] = [
  goridgeCase('small, 1/chunk', 1, (g) => [goridgeFrame(g)]),
  goridgeCase(`small, ${BATCH}/chunk`, BATCH, (g) => [Buffer.concat(Array<Buffer>(BATCH).fill(goridgeFrame(g)))]),
  goridgeCase('small, cut in 2', 1, (g) => split2(goridgeFrame(g))),
  goridgeCase('16 MiB in 64 KiB chunks', 1, (g) => chunksOf(g.encodeGoridgeRequest(1, 'A.B', 0x04, Buffer.alloc(BIG, 7)), CHUNK)),
  ipcCase('small, 1/chunk', 1, (i) => [ipcFrame(i)]),
  ipcCase(`small, ${BATCH}/chunk`, BATCH, (i) => [Buffer.concat(Array<Buffer>(BATCH).fill(ipcFrame(i)))]),
  ipcCase('small, cut in 2', 1, (i) => split2(ipcFrame(i))),
  ipcCase('16 MiB in 64 KiB chunks', 1, (i) => chunksOf(i.encodeIpcFrame(i.IPC_V1_1, i.IpcType.SYNC, Buffer.alloc(BIG, 0x20)), CHUNK)),
  ispCase('small, 1/chunk', 1, () => [ispLine]),
  ispCase(`small, ${BATCH}/chunk`, BATCH, () => [Buffer.concat(Array<Buffer>(BATCH).fill(ispLine))]),
  ispCase('small, cut in 2', 1, () => split2(ispLine)),
  ispCase('1 MiB line in 64 KiB chunks', 1, () => chunksOf(Buffer.concat([Buffer.alloc(BIG_LINE, 0x78), Buffer.from('\n')]), CHUNK)),
  // What a flood of malformed requests costs the main thread per frame or line.
  {
    name: 'ipc malformed envelope (scan + catch)',
    perRun: 1,
    run: (c) => {
      const bad = Buffer.from('{"id":1,"method":5}');
      return () => {
        try {
          c.envelope.scanEnvelope(bad);
        } catch {
          return;
        }
        throw new Error('accepted');
      };
    },
  },
  {
    name: 'isp garbage line (parse)',
    perRun: 1,
    run: (c) => {
      const bad = Buffer.from('{"type" "STATUS"}');
      return () => {
        if (c.isp.parseIspLine(bad).ok) throw new Error('accepted');
      };
    },
  },
];

const time = Number(arg('time') ?? 1000);
const baseRoot = arg('baseline');
const variants: [string, Codecs][] = [['this', await load(resolve('.'))]];
if (baseRoot) variants.unshift(['baseline', await load(resolve(baseRoot))]);

const bench = new Bench({ time, warmup: true, warmupTime: 200 });
for (const c of CASES) for (const [label, codecs] of variants) bench.add(`${c.name} [${label}]`, c.run(codecs));
await bench.run();

const perFrame = (name: string): number => {
  const t = bench.tasks.find((x) => x.name === name)!;
  const r = t.result as { latency?: { mean: number } } | undefined;
  const c = CASES.find((x) => name.startsWith(x.name + ' ['))!;
  return ((r?.latency?.mean ?? NaN) * 1e6) / c.perRun; // ms -> ns
};

console.log(`decoders, ${time} ms per task; ns per frame or line (large cases: ms per frame)`);
console.log(['case', ...variants.map(([l]) => l), baseRoot ? 'this/baseline' : ''].join('\t'));
for (const c of CASES) {
  const ns = variants.map(([l]) => perFrame(`${c.name} [${l}]`));
  const big = c.name.includes('MiB');
  const cells = ns.map((v) => (big ? `${fmt(v / 1e6, 2)} ms` : `${fmt(v, 0)} ns`));
  console.log([c.name, ...cells, baseRoot ? fmt(ns[1]! / ns[0]!, 2) : ''].join('\t'));
}
