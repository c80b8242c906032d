import { describe, expect, it } from 'vitest';
import {
  IPC_V1_0,
  IPC_V1_1,
  IpcDecoder,
  IpcType,
  encodeIpcError,
  encodeIpcFrame,
  encodeIpcResult,
} from '../../../runtime/codec/ipc.ts';
import { prng, randomBytes } from '../../helpers/prng.ts';

type Frame = [number, number, string];

function decodeAll(dec: IpcDecoder, chunks: Buffer[]): { frames: Frame[]; error: string | null } {
  const frames: Frame[] = [];
  for (const c of chunks) {
    const err = dec.push(c, (v, t, p) => frames.push([v, t, p.toString()]));
    if (err) return { frames, error: err.code };
  }
  return { frames, error: null };
}

describe('IPC codec', () => {
  it('encodes the binary IPC header: version BE, type, length BE', () => {
    const f = encodeIpcFrame(IPC_V1_1, IpcType.ASYNC_REQUEST, '{"id":"a"}');
    expect(f.subarray(0, 7)).toEqual(Buffer.from([0x01, 0x01, 0x04, 0, 0, 0, 10]));
    expect(f.subarray(7).toString()).toBe('{"id":"a"}');
  });

  it('matches what the protocol\'s reference PHP heartbeat sends: pack(n,0x0100).pack(C,2).pack(N,0)', () => {
    expect(encodeIpcFrame(IPC_V1_0, IpcType.HEARTBEAT, '')).toEqual(Buffer.from([1, 0, 2, 0, 0, 0, 0]));
  });

  it('builds result and error envelopes around raw id tokens', () => {
    const ok = encodeIpcResult(IPC_V1_1, IpcType.ASYNC_RESPONSE, '"x-1"', Buffer.from('{"a":1}'));
    expect(JSON.parse(ok.subarray(7).toString())).toEqual({ id: 'x-1', result: { a: 1 } });
    expect(ok[2]).toBe(IpcType.ASYNC_RESPONSE);
    const err = encodeIpcError(IPC_V1_0, '7', { code: 'TIMEOUT', message: 'late', data: { ms: 5 } });
    expect(err[2]).toBe(IpcType.ERROR);
    expect(JSON.parse(err.subarray(7).toString())).toEqual({ id: 7, error: { code: 'TIMEOUT', message: 'late', data: { ms: 5 } } });
    expect(JSON.parse(encodeIpcError(IPC_V1_0, null, { code: 'X', message: 'm' }).subarray(7).toString()).id).toBeNull();
  });

  it('round-trips frames split at every byte boundary', () => {
    const stream = Buffer.concat([
      encodeIpcFrame(IPC_V1_0, IpcType.SYNC, '{"method":"a"}'),
      encodeIpcFrame(IPC_V1_1, IpcType.HEARTBEAT, ''),
      encodeIpcFrame(IPC_V1_1, IpcType.ASYNC_REQUEST, '{"id":1,"method":"b","params":[1,2,3]}'),
    ]);
    const expected: Frame[] = [
      [IPC_V1_0, 1, '{"method":"a"}'],
      [IPC_V1_1, 2, ''],
      [IPC_V1_1, 4, '{"id":1,"method":"b","params":[1,2,3]}'],
    ];
    for (let cut = 0; cut <= stream.length; cut++) {
      for (let cut2 = cut; cut2 <= stream.length; cut2 += 7) {
        const r = decodeAll(new IpcDecoder(1024), [stream.subarray(0, cut), stream.subarray(cut, cut2), stream.subarray(cut2)]);
        expect(r).toEqual({ frames: expected, error: null });
      }
    }
  });

  it('decodes byte by byte', () => {
    const f = encodeIpcFrame(IPC_V1_1, IpcType.ASYNC_REQUEST, '{"id":"z","method":"sys.echo"}');
    const chunks = [...f].map((b) => Buffer.from([b]));
    expect(decodeAll(new IpcDecoder(1024), chunks).frames).toHaveLength(1);
  });

  it('rejects unknown versions and types and oversized payloads before buffering them', () => {
    expect(decodeAll(new IpcDecoder(100), [Buffer.from([2, 0, 1, 0, 0, 0, 0])]).error).toBe('UNKNOWN_VERSION');
    expect(decodeAll(new IpcDecoder(100), [Buffer.from([1, 0, 9, 0, 0, 0, 0])]).error).toBe('UNKNOWN_TYPE');
    const dec = new IpcDecoder(100);
    // header claims 4 GiB - 1: refused at once, nothing buffered
    expect(decodeAll(dec, [Buffer.from([1, 0, 1, 0xff, 0xff, 0xff, 0xff])]).error).toBe('FRAME_TOO_LARGE');
    expect(dec.partialBytes).toBe(0);
    // once failed it stays failed
    expect(decodeAll(dec, [encodeIpcFrame(IPC_V1_0, 1, '{}')]).error).toBe('FRAME_TOO_LARGE');
  });

  it('allocates a large frame as its bytes arrive and reports what it holds', () => {
    const size = 16 * 1024 * 1024;
    const dec = new IpcDecoder(size);
    const head = Buffer.alloc(7 + 100, 0x20);
    head.writeUInt16BE(IPC_V1_0, 0);
    head[2] = IpcType.SYNC;
    head.writeUInt32BE(size, 3);
    const before = process.memoryUsage().arrayBuffers;
    let frames = 0;
    dec.push(head, () => frames++);
    expect(dec.partialBytes).toBe(107);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let got: Buffer | null = null;
    for (let left = size - 100; left > 0; left -= chunk.length) {
      dec.push(left >= chunk.length ? chunk : chunk.subarray(0, left), (_v, _t, p) => (got = p));
    }
    expect(got!.length).toBe(size);
    expect(dec.partialBytes).toBe(0);
    // Idle between frames, and a header cut short counts its bytes.
    dec.push(Buffer.from([1, 0, 1]), () => frames++);
    expect(dec.partialBytes).toBe(3);
  });

  it('survives fuzzed input: never throws, always frames or a coded error', () => {
    const rand = prng(0x1234);
    const valid = Buffer.concat([
      encodeIpcFrame(IPC_V1_0, 1, '{"method":"sys.echo","params":1}'),
      encodeIpcFrame(IPC_V1_1, 4, '{"id":"a","method":"x"}'),
    ]);
    for (let i = 0; i < 3000; i++) {
      let input: Buffer;
      if (i % 2 === 0) input = randomBytes(rand, Math.floor(rand() * 64));
      else {
        input = Buffer.from(valid);
        for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) input[Math.floor(rand() * input.length)] = Math.floor(rand() * 256);
      }
      const dec = new IpcDecoder(4096);
      let pos = 0;
      while (pos < input.length) {
        const n = 1 + Math.floor(rand() * 16);
        const err = dec.push(input.subarray(pos, pos + n), () => {});
        if (err) {
          expect(['UNKNOWN_VERSION', 'UNKNOWN_TYPE', 'FRAME_TOO_LARGE']).toContain(err.code);
          break;
        }
        pos += n;
      }
      expect(dec.partialBytes).toBeLessThanOrEqual(4096 + 7);
    }
  });
});
