import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  GORIDGE_ERR_NOT_PROTO,
  GORIDGE_ERR_UNKNOWN_DECODER,
  GORIDGE_ERR_UNKNOWN_RAW,
  GoridgeDecoder,
  type GoridgeDecodeError,
  type GoridgeFrame,
  codecOf,
  encodeGoridgeError,
  encodeGoridgeReply,
  encodeGoridgeRequest,
  goridgeErrorText,
  parseGoridgeErrorText,
  replyCodecFlag,
  requestBodyCodec,
  rpcCantFindMethod,
  rpcCantFindService,
  rpcIllFormed,
  splitServiceMethod,
} from '../../../runtime/codec/goridge.ts';
import { prng } from '../../helpers/prng.ts';

interface Vector {
  name: string;
  hex: string;
  direction: 'client->server' | 'server->client';
  header: { flags: string; byte10: number; options: number[] };
  rpc?: { seq: number; method: string; body_hex: string } | null;
  server_behavior?: string;
  php_result?: string;
}

const fixtureUrl = new URL('../../fixtures/goridge-vectors.json', import.meta.url);
const vectors = (JSON.parse(readFileSync(fixtureUrl, 'utf8')) as { vectors: Vector[] }).vectors;
const bytes = (v: Vector): Buffer => Buffer.from(v.hex, 'hex');

// Crafted by a fake server to probe the PHP client; Go never emits these, so the
// encoder must not reproduce them. Each maps to how it differs from a Go frame.
const CRAFTED_REPLIES: Record<string, 'crc-zeroed' | 'version0' | 'no-options' | 'go-shaped'> = {
  'fake-bad-crc-reply-accepted': 'crc-zeroed',
  'fake-version0-reply-accepted': 'version0',
  'fake-no-options-reply-rejected': 'no-options',
  'fake-no-codec-flag-reply-accepted': 'go-shaped',
  'fake-wrong-seq-reply-rejected': 'go-shaped',
};
const MALFORMED_REQUESTS: Record<string, GoridgeDecodeError['code']> = {
  'probe-bad-crc-request': 'GORIDGE_BAD_CRC',
  'probe-three-options-request': 'GORIDGE_BAD_OPTIONS',
  'probe-no-options-request': 'GORIDGE_BAD_OPTIONS',
};

function decodeAll(chunks: Buffer[], opts?: ConstructorParameters<typeof GoridgeDecoder>[0]) {
  const dec = new GoridgeDecoder(opts);
  const frames: GoridgeFrame[] = [];
  let error: GoridgeDecodeError | null = null;
  for (const c of chunks) {
    const r = dec.push(c);
    frames.push(...r.frames);
    error ??= r.error;
  }
  return { frames, error, dec };
}

function expectMatches(frame: GoridgeFrame, v: Vector): void {
  const rpc = v.rpc!;
  expect(frame.seq).toBe(rpc.seq);
  expect(frame.method).toBe(rpc.method);
  expect(frame.body.toString('hex')).toBe(rpc.body_hex);
  expect(frame.flags).toBe(Number.parseInt(v.header.flags, 16));
  expect(frame.byte10).toBe(v.header.byte10);
  expect(frame.options).toEqual(v.header.options);
  expect(frame.methodLen).toBe(Buffer.byteLength(rpc.method));
  expect(frame.codec).toBe(codecOf(frame.flags));
}

describe('goridge vectors file', () => {
  it('has all 56 vectors', () => {
    expect(vectors).toHaveLength(56);
  });

  it('every vector is classified by a test below', () => {
    for (const v of vectors) {
      const known = v.name in CRAFTED_REPLIES || v.name in MALFORMED_REQUESTS || (v.rpc !== null && v.rpc !== undefined);
      expect(known, v.name).toBe(true);
    }
  });
});

describe('GoridgeDecoder on captured client->server frames', () => {
  const requests = vectors.filter((v) => v.direction === 'client->server' && !(v.name in MALFORMED_REQUESTS));

  it.each(requests.map((v) => [v.name, v] as const))('%s decodes to method, seq, body, codec', (_n, v) => {
    const { frames, error } = decodeAll([bytes(v)]);
    expect(error).toBeNull();
    expect(frames).toHaveLength(1);
    expectMatches(frames[0]!, v);
  });

  it.each(Object.entries(MALFORMED_REQUESTS))('%s is a fatal %s', (name, code) => {
    const v = vectors.find((x) => x.name === name)!;
    const { frames, error, dec } = decodeAll([bytes(v)]);
    expect(frames).toHaveLength(0);
    expect(error?.code).toBe(code);
    // Go closes the connection: nothing more is accepted, even a valid frame.
    const again = dec.push(bytes(requests[0]!));
    expect(again.frames).toHaveLength(0);
    expect(again.error).toBe(error);
  });

  it('maps codecs with Go priority Proto > JSON > Raw > Msgpack > Gob', () => {
    const names = requests.map((v) => decodeAll([bytes(v)]).frames[0]!.codec);
    expect(new Set(names)).toEqual(new Set(['json', 'raw', 'msgpack', 'proto', 'gob', 'none']));
    expect(codecOf(0xff)).toBe('proto');
    expect(codecOf(0x08 | 0x04 | 0x10 | 0x20)).toBe('json');
    expect(codecOf(0x04 | 0x10 | 0x20)).toBe('raw');
    expect(codecOf(0x10 | 0x20)).toBe('msgpack');
    expect(codecOf(0x20 | 0x40 | 0x01)).toBe('gob');
    expect(codecOf(0x41)).toBe('none');
    expect(requestBodyCodec(0x24)).toBe('gob');
    expect(codecOf(0x24)).toBe('raw');
    expect(replyCodecFlag('none')).toBe(0x20);
    expect(replyCodecFlag('msgpack')).toBe(0x10);
  });

  it('decodes at every split point, in two chunks and byte by byte', () => {
    for (const v of requests) {
      const b = bytes(v);
      for (let i = 0; i <= b.length; i++) {
        const { frames, error } = decodeAll([b.subarray(0, i), b.subarray(i)]);
        expect(error).toBeNull();
        expect(frames).toHaveLength(1);
        expectMatches(frames[0]!, v);
      }
      const single = decodeAll([...b].map((x) => Buffer.from([x])));
      expect(single.frames).toHaveLength(1);
      expectMatches(single.frames[0]!, v);
    }
  });

  it('decodes many frames from one chunk and from a stream split anywhere', () => {
    const all = Buffer.concat(requests.map(bytes));
    const one = decodeAll([all]);
    expect(one.error).toBeNull();
    expect(one.frames).toHaveLength(requests.length);
    one.frames.forEach((f, i) => expectMatches(f, requests[i]!));
    for (let i = 0; i <= all.length; i += 7) {
      const two = decodeAll([all.subarray(0, i), all.subarray(i)]);
      expect(two.frames.map((f) => f.seq)).toEqual(requests.map((v) => v.rpc!.seq));
    }
  });

  it('returns frames that precede a fatal error in the same chunk', () => {
    const ok = bytes(requests[0]!);
    const bad = bytes(vectors.find((v) => v.name === 'probe-bad-crc-request')!);
    const r = new GoridgeDecoder().push(Buffer.concat([ok, ok, bad, ok]));
    expect(r.frames).toHaveLength(2);
    expect(r.error?.code).toBe('GORIDGE_BAD_CRC');
  });

  it('hands out a zero-copy body view when the frame sits in one chunk', () => {
    const chunk = bytes(requests[0]!);
    const f = new GoridgeDecoder().push(chunk).frames[0]!;
    expect(f.body.buffer).toBe(chunk.buffer);
    expect(f.body.byteOffset).toBe(chunk.byteOffset + 20 + f.methodLen);
  });

  it('keeps an empty body (payload is only the method)', () => {
    const v = vectors.find((x) => x.name === 'php-raw-empty-seq14-request')!;
    const f = decodeAll([bytes(v)]).frames[0]!;
    expect(f.body).toHaveLength(0);
    expect(f.method).toBe('App.EchoRaw');
  });
});

function header(b0: number, flags: number, payloadLen: number, options: number[]): Buffer {
  const h = Buffer.alloc(12 + 4 * options.length);
  h[0] = b0;
  h[1] = flags;
  h.writeUInt32LE(payloadLen, 2);
  h.writeUInt32LE(zlib.crc32(h.subarray(0, 6)), 6);
  options.forEach((o, i) => h.writeUInt32LE(o, 12 + 4 * i));
  return h;
}

describe('GoridgeDecoder limits', () => {
  it('refuses an oversized payload as soon as the header arrives, before buffering it', () => {
    const dec = new GoridgeDecoder({ maxPayloadBytes: 1024 });
    const r = dec.push(header(0x15, 0x08, 1025, [1, 8]));
    expect(r.error?.code).toBe('FRAME_TOO_LARGE');
    expect(dec.partialBytes).toBe(0);
    const atLimit = new GoridgeDecoder({ maxPayloadBytes: 1024 }).push(header(0x15, 0x08, 1024, [1, 8]));
    expect(atLimit.error).toBeNull();
  });

  it('checks the 4 GiB-1 declared length against the default cap', () => {
    expect(new GoridgeDecoder().push(header(0x15, 0x08, 0xffffffff, [1, 8])).error?.code).toBe('FRAME_TOO_LARGE');
  });

  it('rejects a method length beyond the payload before reading the payload', () => {
    const r = new GoridgeDecoder().push(header(0x15, 0x08, 4, [1, 5]));
    expect(r.error?.code).toBe('GORIDGE_BAD_METHOD_LEN');
  });

  it.each([
    [0x10, []],
    [0x12, []],
    [0x14, [1]],
    [0x16, [1, 2, 3]],
    [0x1d, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
    [0x1e, new Array<number>(11).fill(0)],
    [0x1f, new Array<number>(12).fill(0)],
  ] as const)('rejects header byte 0x%s as GORIDGE_BAD_OPTIONS', (b0, opts) => {
    const r = new GoridgeDecoder().push(header(b0, 0x08, 0, [...opts]));
    expect(r.error?.code).toBe('GORIDGE_BAD_OPTIONS');
  });

  it('ignores the version nibble, as Go does', () => {
    const f = new GoridgeDecoder().push(Buffer.concat([header(0x05, 0x08, 3, [9, 3]), Buffer.from('A.B')])).frames[0]!;
    expect(f.method).toBe('A.B');
    expect(f.seq).toBe(9);
  });

  it('reports a frame cut short at EOF through partialBytes', () => {
    const dec = new GoridgeDecoder();
    dec.push(bytes(vectors[0]!).subarray(0, 25));
    expect(dec.partialBytes).toBe(25);
  });

  it('allocates a large frame as its bytes arrive, not when its header declares it', () => {
    const dec = new GoridgeDecoder();
    const size = 16 * 1024 * 1024;
    const before = process.memoryUsage().arrayBuffers;
    dec.push(Buffer.concat([header(0x15, 0x04, size, [1, 3]), Buffer.from('A.B'), Buffer.alloc(100)]));
    expect(dec.partialBytes).toBe(20 + 103);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
    let frames: GoridgeFrame[] = [];
    const chunk = Buffer.alloc(64 * 1024, 9);
    for (let left = size - 103; left > 0; left -= chunk.length) {
      expect(frames).toHaveLength(0);
      frames = [...dec.push(left >= chunk.length ? chunk : chunk.subarray(0, left)).frames];
      if (frames.length === 0) expect(dec.partialBytes).toBe(20 + size - left + chunk.length);
    }
    expect(frames).toHaveLength(1);
    expect(frames[0]!.method).toBe('A.B');
    expect(frames[0]!.body.length).toBe(size - 3);
    expect(dec.partialBytes).toBe(0);
  });
});

describe('encoder reproduces every Go server->client vector byte for byte', () => {
  const replies = vectors.filter((v) => v.direction === 'server->client');
  const goShaped = replies.filter((v) => (CRAFTED_REPLIES[v.name] ?? 'go-shaped') === 'go-shaped');

  it.each(goShaped.map((v) => [v.name, v] as const))('%s', (_n, v) => {
    const { frames, error } = decodeAll([bytes(v)]);
    expect(error).toBeNull();
    const f = frames[0]!;
    expectMatches(f, v);
    const out = f.flags & 0x40
      ? encodeGoridgeError(f.seq, f.method, f.flags & ~0x40, f.body.toString('utf8'))
      : encodeGoridgeReply(f.seq, f.method, f.flags, f.body);
    expect(out.toString('hex')).toBe(v.hex);
    const fromBytes = f.flags & 0x40
      ? encodeGoridgeError(f.seq, f.methodBytes, f.flags & ~0x40, f.body.toString('utf8'))
      : encodeGoridgeReply(f.seq, f.methodBytes, f.flags, f.body);
    expect(fromBytes.equals(out)).toBe(true);
  });

  it('crafted replies: decoded as PHP sees them, and differ from our encoding only where crafted', () => {
    const crc0 = vectors.find((v) => v.name === 'fake-bad-crc-reply-accepted')!;
    expect(decodeAll([bytes(crc0)]).error?.code).toBe('GORIDGE_BAD_CRC');
    const lenient = decodeAll([bytes(crc0)], { verifyCrc: false }).frames[0]!;
    expectMatches(lenient, crc0);
    const ours = encodeGoridgeReply(lenient.seq, lenient.method, lenient.flags, lenient.body);
    expect(Buffer.concat([ours.subarray(0, 6), Buffer.alloc(4), ours.subarray(10)]).toString('hex')).toBe(crc0.hex);

    const v0 = vectors.find((v) => v.name === 'fake-version0-reply-accepted')!;
    const f0 = decodeAll([bytes(v0)]).frames[0]!;
    expectMatches(f0, v0);
    const ours0 = encodeGoridgeReply(f0.seq, f0.method, f0.flags, f0.body);
    expect(ours0[0]).toBe(0x15);
    expect(ours0.subarray(10).equals(bytes(v0).subarray(10))).toBe(true);

    const noOpts = vectors.find((v) => v.name === 'fake-no-options-reply-rejected')!;
    expect(decodeAll([bytes(noOpts)]).error?.code).toBe('GORIDGE_BAD_OPTIONS');
  });

  it('request encoder matches the captured PHP and Go-client requests', () => {
    for (const v of vectors.filter((x) => x.direction === 'client->server' && !(x.name in MALFORMED_REQUESTS))) {
      const r = v.rpc!;
      const out = encodeGoridgeRequest(r.seq, r.method, Number.parseInt(v.header.flags, 16), Buffer.from(r.body_hex, 'hex'));
      expect(out.toString('hex'), v.name).toBe(v.hex);
    }
  });

  it('net/rpc and goridge error texts equal the captured bodies', () => {
    const text = (name: string) => Buffer.from(vectors.find((v) => v.name === name)!.rpc!.body_hex, 'hex').toString();
    expect(rpcCantFindMethod('App.Nope')).toBe(text('go-error-unknown-method-seq5-response'));
    expect(rpcCantFindService('Nope.Init')).toBe(text('go-error-unknown-service-seq6-response'));
    expect(rpcIllFormed('Init')).toBe(text('go-error-ill-formed-seq13-response'));
    expect(GORIDGE_ERR_UNKNOWN_RAW).toBe(text('go-error-raw-reply-type-seq3-response'));
    expect(GORIDGE_ERR_NOT_PROTO).toBe(text('go-error-proto-seq1-response'));
    expect(GORIDGE_ERR_UNKNOWN_DECODER).toBe(text('probe-no-codec-flag-reply'));
  });
});

describe('encoder details', () => {
  it('truncates seq to uint32 like Go and writes 0x15, zero byte10/11', () => {
    const f = encodeGoridgeReply(2 ** 32 + 5, 'A.B', 0x08, Buffer.from('1'));
    expect(f[0]).toBe(0x15);
    expect(f.readUInt32LE(12)).toBe(5);
    expect(f[10]).toBe(0);
    expect(f[11]).toBe(0);
  });

  it('counts UTF-8 bytes of method and error text', () => {
    const f = encodeGoridgeError(1, 'Ä.é', 0x08, 'naïve');
    const d = new GoridgeDecoder().push(f).frames[0]!;
    expect(d.methodLen).toBe(5);
    expect(d.method).toBe('Ä.é');
    expect(d.body.toString()).toBe('naïve');
    expect(d.flags).toBe(0x48);
  });

  it('splitServiceMethod splits at the last dot', () => {
    expect(splitServiceMethod('rpc_test.plugin1.Hello')).toEqual({ service: 'rpc_test.plugin1', method: 'Hello' });
    expect(splitServiceMethod('Init')).toBeNull();
  });
});

describe('GoridgeDecoder fuzz (seeded)', () => {
  const CODES = new Set(['GORIDGE_BAD_CRC', 'GORIDGE_BAD_OPTIONS', 'GORIDGE_BAD_METHOD_LEN', 'FRAME_TOO_LARGE']);

  it('random and mutated streams: never throws, always frames or a coded error', () => {
    const rnd = prng(0x60d1d6e);
    const int = (n: number) => Math.floor(rnd() * n);
    const seeds = vectors.map(bytes);
    let framesSeen = 0;
    let errorsSeen = 0;
    for (let iter = 0; iter < 4000; iter++) {
      const parts: Buffer[] = [];
      const n = 1 + int(4);
      const expected: { seq: number; method: string; body: string }[] = [];
      for (let k = 0; k < n; k++) {
        const mode = int(4);
        if (mode === 0) {
          parts.push(Buffer.from(Array.from({ length: int(64) }, () => int(256))));
        } else if (mode === 1) {
          parts.push(seeds[int(seeds.length)]!);
        } else {
          const method = `S${int(100)}.M${'x'.repeat(int(20))}`;
          const body = Buffer.from(Array.from({ length: int(300) }, () => int(256)));
          const seq = int(2 ** 32);
          parts.push(encodeGoridgeRequest(seq, method, 1 << int(8), body));
          expected.push({ seq, method, body: body.toString('hex') });
        }
      }
      let stream = Buffer.concat(parts);
      const mutate = iter % 3 === 0;
      if (mutate && stream.length > 0) {
        stream = Buffer.from(stream);
        for (let m = 1 + int(4); m > 0; m--) stream[int(stream.length)] = int(256);
        if (rnd() < 0.3) stream = stream.subarray(0, int(stream.length));
      }
      const dec = new GoridgeDecoder({ maxPayloadBytes: 200 + int(2000) });
      const frames: GoridgeFrame[] = [];
      let err: GoridgeDecodeError | null = null;
      for (let off = 0; off < stream.length; ) {
        const len = 1 + int(80);
        const r = dec.push(stream.subarray(off, off + len));
        off += len;
        frames.push(...r.frames);
        if (r.error) {
          expect(CODES.has(r.error.code)).toBe(true);
          err = r.error;
        }
      }
      for (const f of frames) {
        expect(f.body.length + f.methodLen).toBeGreaterThanOrEqual(f.methodLen);
        expect(typeof f.method).toBe('string');
      }
      framesSeen += frames.length;
      if (err) errorsSeen++;
      if (!mutate && parts.length === expected.length && expected.length > 0 && !err) {
        expect(frames.map((f) => ({ seq: f.seq, method: f.method, body: f.body.toString('hex') }))).toEqual(expected);
      }
    }
    expect(framesSeen).toBeGreaterThan(1000);
    expect(errorsSeen).toBeGreaterThan(100);
  });
});

describe('Goridge error text: code, message and data', () => {
  it('is CODE: message, with the data as one JSON line when there is data', () => {
    expect(goridgeErrorText({ code: 'INVALID_PARAMS', message: 'topic: must be a non-empty string' })).toBe(
      'INVALID_PARAMS: topic: must be a non-empty string',
    );
    const text = goridgeErrorText({ code: 'RATE_LIMITED', message: 'too fast', data: { retryInMs: 12, note: 'a\nb' } });
    expect(text).toBe('RATE_LIMITED: too fast\ndata: {"retryInMs":12,"note":"a\\nb"}');
    expect(text.split('\n')[0]).toBe('RATE_LIMITED: too fast'); // what a Go client shows first
    expect(parseGoridgeErrorText(text)).toEqual({ code: 'RATE_LIMITED', message: 'too fast', data: { retryInMs: 12, note: 'a\nb' } });
  });

  it('sends errors without a code, and goridge texts, as their bare message; data still travels', () => {
    expect(goridgeErrorText({ code: 'ACTOR_ERROR', message: 'kafka: broker unavailable' })).toBe('kafka: broker unavailable');
    expect(goridgeErrorText({ code: 'ACTOR_ERROR', message: 'boom', data: [1, 2] })).toBe('boom\ndata: [1,2]');
    expect(goridgeErrorText({ code: 'ACTOR_ERROR', message: GORIDGE_ERR_UNKNOWN_RAW })).toBe(GORIDGE_ERR_UNKNOWN_RAW);
    expect(parseGoridgeErrorText("rpc: can't find method App.Nope")).toEqual({ code: null, message: "rpc: can't find method App.Nope", data: null });
    expect(parseGoridgeErrorText('boom\ndata: [1,2]')).toEqual({ code: null, message: 'boom', data: [1, 2] });
  });

  it('stays unambiguous when the message itself contains a data line', () => {
    const message = 'bad row\ndata: {"forged":true}';
    const text = goridgeErrorText({ code: 'INVALID_PARAMS', message });
    expect(text).toBe(`INVALID_PARAMS: ${message}\ndata: null`);
    expect(parseGoridgeErrorText(text)).toEqual({ code: 'INVALID_PARAMS', message, data: null });
    const withData = goridgeErrorText({ code: 'INVALID_PARAMS', message, data: { real: 1 } });
    expect(parseGoridgeErrorText(withData)).toEqual({ code: 'INVALID_PARAMS', message, data: { real: 1 } });
    // A foreign text whose last "data:" line is not JSON is all message.
    expect(parseGoridgeErrorText('X_Y: a\ndata: not json')).toEqual({ code: 'X_Y', message: 'a\ndata: not json', data: null });
  });

  it('encodes data JSON cannot hold: bigints as strings, a cycle is left out', () => {
    expect(goridgeErrorText({ code: 'KAFKA_ERROR', message: 'm', data: { offset: 2n ** 64n } })).toBe(
      'KAFKA_ERROR: m\ndata: {"offset":"18446744073709551616"}',
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(goridgeErrorText({ code: 'KAFKA_ERROR', message: 'm', data: cyclic })).toBe('KAFKA_ERROR: m');
  });
});
