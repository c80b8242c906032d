import { describe, expect, it } from 'vitest';
import { decodeBody, encodeResult } from '../../../../runtime/codec/body/body-codec.ts';
import { BodyFormat } from '../../../../runtime/codec/body/formats.ts';
import { OutriggerError } from '../../../../runtime/errors/error.ts';
import { gobEmptyStructMapBomb, msgpackErrorFlood, msgpackNestedClaims } from '../../../helpers/hostile.ts';

describe('msgpack bodies', () => {
  it('writes integers beyond 32 bits as int64/uint64 (PHP reads ints, Go reads int64), never as float64', () => {
    const ts = 1_795_294_637_353;
    const bytes = Buffer.from(encodeResult(BodyFormat.MSGPACK, { timestamp: ts, offsets: [1, -5_000_000_000], ratio: 0.5 }));
    expect(bytes.includes(0xcb)).toBe(true); // the one real float, 0.5
    expect(bytes.subarray(bytes.indexOf(0xd3), bytes.indexOf(0xd3) + 9).toString('hex')).toBe('d3000001a1ffe62d29');
    expect(decodeBody(BodyFormat.MSGPACK, bytes)).toEqual({ timestamp: ts, offsets: [1, -5_000_000_000], ratio: 0.5 });
  });

  it('leaves values without large integers untouched (no copy)', () => {
    const v = { a: [1, 2, { b: 'c' }], n: 0xffffffff };
    expect(decodeBody(BodyFormat.MSGPACK, encodeResult(BodyFormat.MSGPACK, v))).toEqual(v);
  });

  it('reads 64-bit integers from PHP and Go as numbers when safe, bigints beyond 2^53', () => {
    // php -r 'echo bin2hex(msgpack_pack(["t" => 1795294637353, "big" => 1 << 60]));'
    const fromPhp = Buffer.from('82a174cf000001a1ffe62d29a3626967cf1000000000000000', 'hex');
    expect(decodeBody(BodyFormat.MSGPACK, fromPhp)).toEqual({ t: 1_795_294_637_353, big: 2n ** 60n });
  });

  it('writes small maps with fixmap headers, as PHP and Go encoders do', () => {
    expect(Buffer.from(encodeResult(BodyFormat.MSGPACK, { name: 'x' })).toString('hex')).toBe('81a46e616d65a178');
  });
});

describe('constant results', () => {
  it('encodes a frozen all-primitive result once per format, with the same bytes as a fresh one', () => {
    const accepted = Object.freeze({ accepted: true });
    const first = encodeResult(BodyFormat.JSON, accepted);
    expect(encodeResult(BodyFormat.JSON, accepted)).toBe(first);
    expect(Buffer.from(first).toString()).toBe('{"accepted":true}');
    expect(decodeBody(BodyFormat.MSGPACK, encodeResult(BodyFormat.MSGPACK, accepted))).toEqual({ accepted: true });
  });

  it('encodes a frozen result with a mutable member every time', () => {
    const inner = { n: 1 };
    const shallow = Object.freeze({ inner });
    expect(Buffer.from(encodeResult(BodyFormat.JSON, shallow)).toString()).toBe('{"inner":{"n":1}}');
    inner.n = 2;
    expect(Buffer.from(encodeResult(BodyFormat.JSON, shallow)).toString()).toBe('{"inner":{"n":2}}');
  });
});

describe('hostile bodies', () => {
  function refusal(format: BodyFormat, body: Buffer): OutriggerError {
    const t0 = performance.now();
    try {
      decodeBody(format, body);
    } catch (e) {
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(e).toBeInstanceOf(OutriggerError);
      return e as OutriggerError;
    }
    throw new Error('decoded a hostile body');
  }

  it('refuses a msgpack array of msgpackr "error" extensions before building any Error', () => {
    // 500k of them took 7.5 s and 390 MB in msgpackr.
    const e = refusal(BodyFormat.MSGPACK, msgpackErrorFlood(500_000));
    expect(e.code).toBe('INVALID_PARAMS');
    expect(e.message).toMatch(/extension type 101 is not accepted/);
  });

  it('refuses msgpack headers declaring more than remains', () => {
    expect(refusal(BodyFormat.MSGPACK, msgpackNestedClaims(100_000)).code).toBe('INVALID_PARAMS');
  });

  it('refuses the empty-struct gob map bomb as INVALID_PARAMS', () => {
    const e = refusal(BodyFormat.GOB, gobEmptyStructMapBomb(1 << 20, 2 << 20));
    expect(e.code).toBe('INVALID_PARAMS');
    expect(e.message).toMatch(/^cannot decode gob body: gob: decoding map/);
  });

  it('builds decode errors without a stack trace, and leaves stack traces on afterwards', () => {
    for (const [format, body] of [
      [BodyFormat.JSON, Buffer.from('{x')],
      [BodyFormat.MSGPACK, Buffer.from([0xc1])],
      [BodyFormat.GOB, Buffer.from([0x05, 0x0c])],
    ] as const) {
      const e = refusal(format, body);
      expect(e.stack ?? '', e.message).not.toMatch(/\n\s+at /);
    }
    expect(new Error('x').stack).toMatch(/\n\s+at /);
  });
});
