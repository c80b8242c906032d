// Load generator for the binary IPC listener: C connections, each keeping M
// async requests in flight. Runs in its own process so it doesn't share an
// event loop with the daemon. Prints one JSON line with the result.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

interface Args {
  path: string;
  conns: number;
  inflight: number;
  warmupSec: number;
  durationSec: number;
  method: string;
}

function parseArgs(): Args {
  const a = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) a.set(argv[i]!.replace(/^--/, ''), argv[i + 1]!);
  return {
    path: a.get('path')!,
    conns: Number(a.get('conns') ?? 1),
    inflight: Number(a.get('inflight') ?? 256),
    warmupSec: Number(a.get('warmup') ?? 1),
    durationSec: Number(a.get('duration') ?? 4),
    method: a.get('method') ?? 'sys.echo',
  };
}

const ID_DIGITS = 10;

/** A request frame with a fixed-width string id that is patched in place per send. */
function template(method: string): { frame: Buffer; idOffset: number } {
  const payload = `{"id":"${'0'.repeat(ID_DIGITS)}","method":"${method}","params":{"topic":"t","value":"hello"}}`;
  const frame = Buffer.alloc(7 + payload.length);
  frame.writeUInt16BE(0x0101, 0);
  frame[2] = 0x04;
  frame.writeUInt32BE(payload.length, 3);
  frame.write(payload, 7, 'latin1');
  return { frame, idOffset: 7 + payload.indexOf('"id":"') + 6 };
}

function writeId(buf: Buffer, off: number, id: number): void {
  for (let i = ID_DIGITS - 1; i >= 0; i--) {
    buf[off + i] = 48 + (id % 10);
    id = Math.floor(id / 10);
  }
}

function readId(buf: Buffer, off: number): number {
  let id = 0;
  for (let i = 0; i < ID_DIGITS; i++) id = id * 10 + (buf[off + i]! - 48);
  return id;
}

async function main(): Promise<void> {
  const args = parseArgs();
  const { frame: tpl, idOffset } = template(args.method);
  const frameLen = tpl.length;
  let measuring = false;
  let done = false;
  let completed = 0;
  let errors = 0;
  const samples: number[] = [];
  const ring = 1 << Math.ceil(Math.log2(args.inflight * 4));

  const conns = await Promise.all(
    Array.from({ length: args.conns }, () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(args.path, () => resolve(s));
      s.once('error', reject);
    })),
  );

  conns.forEach((sock, ci) => {
    const sent = new Float64Array(ring);
    let nextId = ci * 1e8;
    let pending: Buffer | null = null;
    const send = (n: number): void => {
      if (done || n === 0) return;
      const out = Buffer.allocUnsafe(frameLen * n);
      const now = performance.now();
      for (let k = 0; k < n; k++) {
        tpl.copy(out, k * frameLen);
        const id = nextId++;
        writeId(out, k * frameLen + idOffset, id);
        sent[id & (ring - 1)] = now;
      }
      sock.write(out);
    };
    sock.on('data', (chunk: Buffer) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let off = 0;
      let replies = 0;
      const now = performance.now();
      while (buf.length - off >= 7) {
        const len = buf.readUInt32BE(off + 3);
        if (buf.length - off < 7 + len) break;
        const type = buf[off + 2];
        if (type === 0x05) {
          // payload starts {"id":"NNNNNNNNNN"
          const id = readId(buf, off + 7 + 7);
          if (measuring) samples.push(now - sent[id & (ring - 1)]!);
        } else errors++;
        off += 7 + len;
        replies++;
      }
      if (off < buf.length) pending = Buffer.from(buf.subarray(off));
      if (measuring) completed += replies;
      send(replies);
    });
    sock.on('error', () => {});
    send(args.inflight);
  });

  await new Promise((r) => setTimeout(r, args.warmupSec * 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, args.durationSec * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  done = true;
  for (const s of conns) s.destroy();
  samples.sort((a, b) => a - b);
  const pct = (p: number): number => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))] ?? 0;
  process.stdout.write(
    JSON.stringify({ rps: completed / elapsed, p50: pct(0.5), p99: pct(0.99), errors, samples: samples.length }) + '\n',
  );
}

await main();
