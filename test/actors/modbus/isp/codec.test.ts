import { describe, expect, it } from 'vitest';
import { encodeErrorResponse, encodeHeartbeat, encodeResponse, nowNs, parseIspLine, type IspError } from '../../../../actors/modbus/isp/codec.ts';
import { encodeDataLines, encodePoint, pointTemplate } from '../../../../actors/modbus/isp/data-lines.ts';
import { LineDecoder } from '../../../../runtime/codec/lines.ts';
import { isErrorCode } from '../../../../runtime/errors/codes.ts';
import { prng, randomBytes } from '../../../helpers/prng.ts';

type Out = { line: string } | { error: string };

function split(dec: LineDecoder, chunks: Buffer[]): Out[] {
  const out: Out[] = [];
  for (const c of chunks) {
    dec.push(
      c,
      (l) => out.push({ line: l.toString('utf8') }),
      (e) => out.push({ error: e.code }),
    );
  }
  return out;
}

function parse(s: string, from: 'gateway' | 'sidecar' = 'gateway') {
  return parseIspLine(Buffer.from(s), from);
}

function errorOf(s: string, from: 'gateway' | 'sidecar' = 'gateway'): IspError & { id?: string } {
  const r = parse(s, from);
  if (r.ok) throw new Error(`expected an error for ${s}`);
  return { ...r.error, ...(r.id === undefined ? {} : { id: r.id }) };
}

describe('ISP line splitting', () => {
  // The ISP gateway protocol's example tags carry "°C"; Chinese keys are 3-byte UTF-8.
  const lines = ['{"type":"STATUS","id":"温度-1"}', '', '{"tags":{"unit":"°C"}}', '{"type":"HEARTBEAT"}'];
  const stream = Buffer.from(lines.join('\n') + '\r\n\n');

  it('reassembles lines (and multi-byte characters) cut at every byte boundary', () => {
    const expected = [{ line: lines[0] }, { line: lines[2] }, { line: lines[3] }];
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b += 5) {
        const out = split(new LineDecoder(1024), [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        expect(out).toEqual(expected);
      }
    }
  });

  it('refuses an over-long line once, holds at most the cap, and keeps the following lines', () => {
    const dec = new LineDecoder(64);
    const out: Out[] = [];
    const onLine = (l: Buffer) => out.push({ line: l.toString() });
    const onError = (e: IspError) => out.push({ error: e.code });
    dec.push(Buffer.from('{"type":"STATUS"}\n{"padding":"'), onLine, onError);
    for (let i = 0; i < 1000; i++) {
      dec.push(Buffer.alloc(1000, 0x61), onLine, onError);
      expect(dec.partialBytes).toBeLessThanOrEqual(65);
    }
    dec.push(Buffer.from('"}\n{"type":"HEARTBEAT"}\n'), onLine, onError);
    expect(out).toEqual([{ line: '{"type":"STATUS"}' }, { error: 'LINE_TOO_LONG' }, { line: '{"type":"HEARTBEAT"}' }]);
  });

  it('holds a line trickled byte by byte as its bytes, and reports them until the newline', () => {
    const dec = new LineDecoder(1024 * 1024);
    const out: Out[] = [];
    const onLine = (l: Buffer) => out.push({ line: l.toString() });
    const onError = (e: IspError) => out.push({ error: e.code });
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const text = '{"type":"HEARTBEAT","id":"' + 'x'.repeat(200_000) + '"}';
    for (let i = 0; i < text.length; i++) dec.push(Buffer.from(text[i]!), onLine, onError);
    expect(dec.partialBytes).toBe(text.length);
    // One Buffer kept per byte would cost tens of MB of heap.
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(8 * 1024 * 1024);
    dec.push(Buffer.from('\n'), onLine, onError);
    expect(dec.partialBytes).toBe(0);
    expect(out).toEqual([{ line: text }]);
  });

  it('refuses an over-long line that arrives inside one chunk', () => {
    const out = split(new LineDecoder(10), [Buffer.from('0123456789A\n0123456789\n')]);
    expect(out).toEqual([{ error: 'LINE_TOO_LONG' }, { line: '0123456789' }]);
  });
});

describe('ISP message validation', () => {
  it('accepts the lines of the protocol\'s example telnet session', () => {
    const config = parse(
      '{"type":"CONFIG","id":"test-001","timestamp":1751200000000000000,"payload":{"mode":"tcp","address":"127.0.0.1:502","timeout_ms":3000,"interval_ms":2000,"registers":[]}}',
    );
    expect(config.ok && config.msg.type === 'CONFIG' && config.msg.id === 'test-001').toBe(true);
    const status = parse('{"type":"STATUS","id":"status-001","timestamp":1751200000000000000}');
    expect(status.ok && status.msg.payload === undefined).toBe(true);
  });

  it('refuses what cannot be JSON as MALFORMED_JSON and JSON that is not an object as ISP_INVALID_MESSAGE', () => {
    for (const line of ['{', 'x', '{"type":"STATUS"} x', '{"type" "STATUS"}', '{"type":"STATUS",}', '\u0000', ' {"a":tru}']) {
      expect(errorOf(line), line).toMatchObject({ code: 'MALFORMED_JSON' });
    }
    for (const line of ['[1]', '"s"', '12', '-1', 'true', 'null']) expect(errorOf(line), line).toMatchObject({ code: 'ISP_INVALID_MESSAGE', field: '(root)' });
    // A malformed nested value passes the top-level check and is caught by JSON.parse.
    expect(errorOf('{"type":"STATUS","payload":{"a":[1,,2]}}')).toMatchObject({ code: 'MALFORMED_JSON' });
  });

  it('names the field and code of every envelope error, echoing the id when it is readable', () => {
    expect(errorOf('{"type":')).toMatchObject({ code: 'MALFORMED_JSON' });
    expect(parseIspLine(Buffer.from([0x7b, 0xff, 0x7d])).ok).toBe(false);
    expect(errorOf('"x"')).toMatchObject({ code: 'ISP_INVALID_MESSAGE', field: '(root)' });
    expect(errorOf('[1]')).toMatchObject({ code: 'ISP_INVALID_MESSAGE', field: '(root)' });
    expect(errorOf('{"id":"a"}')).toEqual({ code: 'ISP_INVALID_MESSAGE', message: 'message has no "type"', field: 'type', id: 'a' });
    expect(errorOf('{"type":7,"id":"b"}')).toMatchObject({ code: 'ISP_INVALID_MESSAGE', field: 'type', id: 'b' });
    expect(errorOf('{"type":"PING","id":"c"}')).toMatchObject({ code: 'ISP_UNKNOWN_TYPE', field: 'type', id: 'c' });
    expect(errorOf('{"type":"STATUS","id":5}')).toMatchObject({ code: 'ISP_INVALID_MESSAGE', field: 'id' });
    expect(errorOf('{"type":"STATUS","timestamp":"now"}')).toMatchObject({ field: 'timestamp' });
    expect(errorOf('{"type":"STATUS","timestamp":1.5}')).toMatchObject({ field: 'timestamp' });
    expect(errorOf('{"type":"STATUS","payload":[]}')).toMatchObject({ field: 'payload' });
    expect(errorOf('{"type":"STATUS","payload":{"device":1}}')).toMatchObject({ field: 'payload.device' });
    expect(errorOf('{"type":"CONFIG","id":"d"}')).toMatchObject({ code: 'ISP_INVALID_MESSAGE', field: 'payload', id: 'd' });
    expect(errorOf('{"type":"DATA","payload":{"points":[]}}')).toMatchObject({ code: 'ISP_WRONG_DIRECTION' });
    expect(parseIspLine(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, error: { code: 'ISP_INVALID_UTF8' } });
  });

  it('checks DATA points as a gateway receives them', () => {
    const pt = (over: object) => JSON.stringify({ key: 'k', source: 's', timestamp: 1, value: 1, type: 'int16', quality: 1, ...over });
    expect(parse(`{"type":"DATA","payload":{"points":[${pt({})}]}}`, 'sidecar').ok).toBe(true);
    expect(errorOf(`{"type":"DATA","payload":{"points":[${pt({ quality: 2 })}]}}`, 'sidecar').field).toBe('payload.points[0].quality');
    expect(errorOf(`{"type":"DATA","payload":{"points":[${pt({})},${pt({ key: '' })}]}}`, 'sidecar').field).toBe('payload.points[1].key');
    const many = Array.from({ length: 101 }, () => pt({})).join(',');
    expect(errorOf(`{"type":"DATA","payload":{"points":[${many}]}}`, 'sidecar').field).toBe('payload.points');
    expect(errorOf('{"type":"RESPONSE","payload":{}}', 'sidecar').field).toBe('payload.success');
  });
});

describe('ISP encoding', () => {
  it('writes exact integer nanosecond timestamps', () => {
    const ns = nowNs();
    expect(ns).toMatch(/^\d{19}$/);
    expect(BigInt(ns) / 1_000_000n - BigInt(Date.now())).toBeLessThan(1000n);
  });

  it('encodes responses, errors and heartbeats as single lines', () => {
    const ok = encodeResponse('config-001', { success: true });
    expect(ok.at(-1)).toBe(0x0a);
    expect(ok.indexOf(0x0a)).toBe(ok.length - 1);
    expect(parse(ok.toString().trim(), 'sidecar')).toMatchObject({ ok: true, msg: { type: 'RESPONSE', id: 'config-001', payload: { success: true } } });
    const err = JSON.parse(encodeErrorResponse('x', { code: 'ISP_UNKNOWN_TYPE', message: 'm', field: 'type' }).toString());
    expect(err.payload).toEqual({ success: false, error: 'm', code: 'ISP_UNKNOWN_TYPE', field: 'type' });
    expect(JSON.parse(encodeHeartbeat().toString())).toMatchObject({ type: 'HEARTBEAT' });
  });

  it('splits points into DATA messages of at most 100 that a gateway accepts', () => {
    const t = pointTemplate('温度', 'dev-1', 'float32', { unit: '°C', line: 'a"b' });
    const ts = nowNs();
    const points = Array.from({ length: 250 }, (_, i) => encodePoint(t, ts, String(i / 4), i % 3 === 0 ? 1 : 0));
    const text = [...encodeDataLines(points, ts)].join('');
    const lines = text.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).payload.points.length)).toEqual([100, 100, 50]);
    for (const l of lines) expect(parse(l, 'sidecar').ok).toBe(true);
    const first = JSON.parse(lines[0]!).payload.points[1];
    expect(first).toEqual({ key: '温度', source: 'dev-1', timestamp: Number(ts), value: 0.25, type: 'float32', quality: 0, tags: { unit: '°C', line: 'a"b' } });
    expect(lines[0]).toContain(`"timestamp":${ts},`);
    expect([...encodeDataLines([], ts)].join('')).toBe('');
  });
});

describe('ISP codec fuzz', () => {
  const fragments = ['{', '}', '"type"', ':', '"CONFIG"', '"STATUS"', '"DATA"', ',', '"id"', '"x"', '\n', '\r\n', '[', ']', '"payload"', 'null', '1e400', '-1', '"\\u00e9"', '°', '温', '\\', '"'];

  function randomStream(rand: () => number): Buffer {
    const parts: Buffer[] = [];
    const n = Math.floor(rand() * 60);
    for (let i = 0; i < n; i++) {
      if (rand() < 0.2) parts.push(randomBytes(rand, Math.floor(rand() * 12)));
      else parts.push(Buffer.from(fragments[Math.floor(rand() * fragments.length)]!));
    }
    return Buffer.concat(parts);
  }

  function run(stream: Buffer, cuts: number[], cap: number): string[] {
    const dec = new LineDecoder(cap);
    const seen: string[] = [];
    let prev = 0;
    for (const cut of [...cuts, stream.length]) {
      dec.push(
        stream.subarray(prev, cut),
        (line) => {
          const r = parseIspLine(line);
          const code = r.ok ? `ok:${r.msg.type}` : r.error.code;
          if (!r.ok && !isErrorCode(r.error.code)) throw new Error(`uncatalogued code ${r.error.code}`);
          seen.push(code);
        },
        (e) => seen.push(e.code),
      );
      expect(dec.partialBytes).toBeLessThanOrEqual(cap + 1);
      prev = cut;
    }
    return seen;
  }

  it('never throws, always yields a catalogued code, and is independent of chunking (seeded)', () => {
    const rand = prng(0x15b);
    for (let iter = 0; iter < 1500; iter++) {
      const stream = randomStream(rand);
      const cap = 8 + Math.floor(rand() * 80);
      const whole = run(stream, [], cap);
      const cuts = Array.from({ length: 4 }, () => Math.floor(rand() * (stream.length + 1))).sort((a, b) => a - b);
      expect(run(stream, cuts, cap)).toEqual(whole);
      const bytewise = Array.from({ length: stream.length }, (_, i) => i);
      expect(run(stream, bytewise, cap)).toEqual(whole);
    }
  });
});
