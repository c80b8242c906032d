// Fuzz targets for the stream decoders: Goridge frames, binary IPC frames,
// ISP lines. Each input is decoded twice, whole and cut into random chunks:
// the frames, lines and errors must be the same, every error must carry a
// catalogued code, and an incomplete frame may never hold more bytes than
// were pushed.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { encodeGoridgeRequest, GoridgeDecoder } from '../../runtime/codec/goridge.ts';
import { encodeIpcFrame, IPC_V1_0, IPC_V1_1, IpcDecoder, IpcType } from '../../runtime/codec/ipc.ts';
import { parseIspLine } from '../../actors/modbus/isp/codec.ts';
import { LineDecoder } from '../../runtime/codec/lines.ts';
import { isErrorCode } from '../../runtime/errors/codes.ts';
import { ContractBroken, type FuzzTarget, GOB_VECTORS, GORIDGE_VECTORS } from './body-targets.ts';
import { type Rand, int } from './lib/mutate.ts';

const MAX_FRAME = 1024 * 1024;
const MAX_LINE = 64 * 1024;

const digestOf = (b: Buffer): string => (b.length <= 32 ? b.toString('hex') : createHash('sha1').update(b).digest('hex'));

/** Random cut points: mostly small chunks, sometimes single bytes, sometimes everything at once. */
function chunks(rand: Rand, b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const small = rand() < 0.3;
  for (let o = 0; o < b.length; ) {
    const n = small ? 1 + int(rand, 8) : 1 + int(rand, rand() < 0.5 ? 64 : 8192);
    out.push(b.subarray(o, o + n));
    o += n;
  }
  return out;
}

/** Runs `decode` over the whole input and over random chunks of it; both must tell the same story. */
function sameStory(rand: Rand, b: Buffer, decode: (parts: Buffer[]) => string[]): void {
  const whole = decode([b]).join('\n');
  const cut = decode(chunks(rand, b)).join('\n');
  if (whole !== cut) throw new ContractBroken(`chunking changed the result:\n${whole.slice(0, 300)}\n--- vs ---\n${cut.slice(0, 300)}`);
}

function checkPartial(held: number, pushed: number, cap: number): void {
  if (held > pushed) throw new ContractBroken(`partialBytes ${held} exceeds the ${pushed} bytes pushed`);
  if (held > cap) throw new ContractBroken(`partialBytes ${held} exceeds the frame cap ${cap}`);
}

function goridgeHeader(payloadLen: number, methodLen: number, hl = 5): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x10 | hl;
  h[1] = 0x08;
  h.writeUInt32LE(payloadLen >>> 0, 2);
  h.writeUInt32LE(zlib.crc32(h.subarray(0, 6)), 6);
  h.writeUInt32LE(1, 12);
  h.writeUInt32LE(methodLen >>> 0, 16);
  return h;
}

const GORIDGE_CODES = new Set(['GORIDGE_BAD_CRC', 'GORIDGE_BAD_OPTIONS', 'GORIDGE_BAD_METHOD_LEN', 'FRAME_TOO_LARGE']);

export const goridgeTarget: FuzzTarget = {
  name: 'goridge-stream',
  corpus: [
    ...GORIDGE_VECTORS.filter((v) => v.direction === 'client->server').map((v) => Buffer.from(v.hex, 'hex')),
    ...GOB_VECTORS.slice(0, 8).map((v) => Buffer.from(v.frame_hex, 'hex')),
    encodeGoridgeRequest(9, 'Kafka.Produce', 0x10, Buffer.from('83a5746f706963a1749a')),
  ],
  hostile: [
    (r) => goridgeHeader([MAX_FRAME, MAX_FRAME + 1, 0xffffffff, 16 << 20][int(r, 4)]!, int(r, 64)),
    (r) => Buffer.concat([goridgeHeader(MAX_FRAME, 3), Buffer.from('A.B'), Buffer.alloc(int(r, 100_000))]),
    (r) => goridgeHeader(10, 11 + int(r, 2 ** 31)),
    (r) => Buffer.concat(Array<Buffer>(1 + int(r, 20_000)).fill(encodeGoridgeRequest(1, 'A.B', 0x08, Buffer.alloc(0)))),
    (r) => goridgeHeader(0, 0, [0, 3, 4, 6, 13, 15][int(r, 6)]!),
  ],
  run(b, rand) {
    sameStory(rand, b, (parts) => {
      const dec = new GoridgeDecoder({ maxPayloadBytes: MAX_FRAME });
      const story: string[] = [];
      let pushed = 0;
      for (const p of parts) {
        const r = dec.push(p);
        pushed += p.length;
        for (const f of r.frames) story.push(`${f.seq} ${f.flags} ${f.byte10} ${digestOf(f.methodBytes)} ${digestOf(f.body)}`);
        if (r.error) {
          if (!GORIDGE_CODES.has(r.error.code) || r.error instanceof Error) throw new ContractBroken(`goridge error ${String(r.error.code)}`);
          story.push(`error ${r.error.code} ${r.error.seq ?? ''}`);
          break;
        }
        checkPartial(dec.partialBytes, pushed, MAX_FRAME + 20);
      }
      return story;
    });
  },
};

const ipc = (type: number, json: string, v = IPC_V1_1): Buffer => encodeIpcFrame(v, type, Buffer.from(json));
const IPC_CODES = new Set(['UNKNOWN_VERSION', 'UNKNOWN_TYPE', 'FRAME_TOO_LARGE']);

function ipcHeader(len: number): Buffer {
  const h = Buffer.alloc(7);
  h.writeUInt16BE(IPC_V1_0, 0);
  h[2] = IpcType.SYNC;
  h.writeUInt32BE(len >>> 0, 3);
  return h;
}

export const ipcTarget: FuzzTarget = {
  name: 'ipc-stream',
  corpus: [
    ipc(IpcType.SYNC, '{"id":1,"method":"sys.echo","params":{"a":[1,2]}}', IPC_V1_0),
    ipc(IpcType.ASYNC_REQUEST, '{"id":"a-1","method":"kafka.produce","params":{"topic":"t","value":"v"}}'),
    ipc(IpcType.HEARTBEAT, ''),
    Buffer.concat([ipc(IpcType.SYNC, '{"method":"sys.ping"}'), ipc(IpcType.HEARTBEAT, '')]),
  ],
  hostile: [
    (r) => ipcHeader([MAX_FRAME, MAX_FRAME + 1, 0xffffffff, 16 << 20][int(r, 4)]!),
    (r) => Buffer.concat([ipcHeader(MAX_FRAME), Buffer.alloc(int(r, 100_000), 0x7b)]),
    (r) => Buffer.concat(Array<Buffer>(1 + int(r, 20_000)).fill(ipc(IpcType.HEARTBEAT, ''))),
  ],
  run(b, rand) {
    sameStory(rand, b, (parts) => {
      const dec = new IpcDecoder(MAX_FRAME);
      const story: string[] = [];
      let pushed = 0;
      const onFrame = (v: number, t: number, p: Buffer): void => void story.push(`${v} ${t} ${digestOf(p)}`);
      for (const p of parts) {
        const err = dec.push(p, onFrame);
        pushed += p.length;
        if (err) {
          if (!IPC_CODES.has(err.code) || err instanceof Error) throw new ContractBroken(`ipc error ${String(err.code)}`);
          story.push(`error ${err.code}`);
          break;
        }
        checkPartial(dec.partialBytes, pushed, MAX_FRAME + 7);
      }
      return story;
    });
  },
};

const ISP_LINES = [
  '{"type":"CONFIG","id":"c-1","timestamp":1700000000000000000,"payload":{"device":"plc-1","host":"127.0.0.1","port":502}}',
  '{"type":"STATUS","id":"温度-1","payload":{"device":"plc-1","values":true}}',
  '{"type":"HEARTBEAT"}',
  '{"type":"RESPONSE","payload":{"success":true}}',
  '{"type":"DATA","payload":{"points":[]}}',
];

export const ispTarget: FuzzTarget = {
  name: 'isp-lines',
  corpus: [...ISP_LINES.map((l) => Buffer.from(l + '\n')), Buffer.from(ISP_LINES.join('\r\n') + '\r\n\n')],
  hostile: [
    (r) => Buffer.alloc(MAX_LINE + int(r, 3 * MAX_LINE), 0x7b),
    (r) => Buffer.from('\n'.repeat(1 + int(r, 100_000))),
    (r) => Buffer.from('{\n'.repeat(1 + int(r, 50_000))),
    (r) => Buffer.from(`{"type":"STATUS","payload":${'['.repeat(int(r, MAX_LINE - 40))}\n`),
  ],
  run(b, rand) {
    sameStory(rand, b, (parts) => {
      const dec = new LineDecoder(MAX_LINE);
      const story: string[] = [];
      let pushed = 0;
      const onLine = (line: Buffer): void => {
        const r = parseIspLine(line);
        if (!r.ok && !isErrorCode(r.error.code)) throw new ContractBroken(`uncatalogued ISP code ${r.error.code}`);
        story.push(r.ok ? `ok ${r.msg.type} ${r.msg.id ?? ''}` : `${r.error.code} ${r.error.field ?? ''}`);
      };
      const onError = (e: { code: string }): void => void story.push(e.code);
      for (const p of parts) {
        dec.push(p, onLine, onError);
        pushed += p.length;
        checkPartial(dec.partialBytes, pushed, MAX_LINE + 1);
      }
      return story;
    });
  },
};

export const STREAM_TARGETS: readonly FuzzTarget[] = [goridgeTarget, ipcTarget, ispTarget];
