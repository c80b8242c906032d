import { Packr } from 'msgpackr';
import { checkMsgpack } from '../msgpack-check.ts';
import { OutriggerError } from '../../errors/error.ts';
import { BodyFormat, FORMAT_NAMES, type FormatCodec } from './formats.ts';
import { gobBodyCodec } from './gob-body.ts';
import { asWireFloat, floatMarksOf, noteWholeFloats } from './msgpack-floats.ts';

/**
 * Decodes request bodies and encodes results for every body format. Shared by
 * worker threads (the hot path) and the main thread (main-thread routes,
 * pinned-key extraction). Every format is listed in the one table below, so
 * any thread that imports this module can decode all of them.
 */

// useRecords off: plain msgpack maps, so PHP's ext-msgpack and Go's
// vmihailenco/msgpack read what we write. variableMapSize: small objects get
// fixmap headers as those encoders write them (byte-equal Goridge replies).
// int64AsType auto: a 64-bit integer from PHP or Go is a number when it is
// safe in JS (a bigint only beyond 2^53). msgpackr 2.1.3 implements 'auto'
// (unpack.js) but its typings list only number/bigint/string.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true, int64AsType: 'auto' as 'number' });

/**
 * msgpackr writes a number beyond 32 bits as float64, so PHP would read a
 * Kafka offset or an epoch-ms timestamp as a float and Go would refuse it as
 * an int64. As a bigint it is written as int64/uint64. A member that was a
 * whole-number float when its container was decoded is written as a float
 * again (msgpack-floats.ts). Returns `v` itself unless something had to change.
 */
function widenIntegers(v: unknown, depth = 0): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) && (v > 0xffffffff || v < -0x80000000) ? BigInt(v) : v;
  if (typeof v !== 'object' || v === null || depth > 100 || ArrayBuffer.isView(v)) return v;
  const floats = floatMarksOf(v);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const f = asWireFloat(v[i], floats, i);
      const w = f !== v[i] ? f : widenIntegers(v[i], depth + 1);
      if (w !== v[i]) (out ??= v.slice())[i] = w;
    }
    return out ?? v;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
  let out: Record<string, unknown> | null = null;
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    const f = asWireFloat(x, floats, k);
    const w = f !== x ? f : widenIntegers(x, depth + 1);
    if (w !== x) (out ??= { ...(v as Record<string, unknown>) })[k] = w;
  }
  return out ?? v;
}

const EMPTY = new Uint8Array(0);

const codecs = new Map<BodyFormat, FormatCodec>([
  [
    BodyFormat.JSON,
    {
      decode: (b) => (b.length === 0 ? undefined : JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.length).utf8Slice())),
      encode: (v) => Buffer.from(JSON.stringify(v === undefined ? null : v)),
    },
  ],
  [
    BodyFormat.MSGPACK,
    {
      decode: (b) => {
        if (b.length === 0) return undefined;
        const refused = checkMsgpack(b);
        if (refused !== null) throw new OutriggerError('INVALID_PARAMS', `cannot decode msgpack body: ${refused}`);
        const v: unknown = packr.unpack(b);
        noteWholeFloats(b, v);
        return v;
      },
      encode: (v) => packr.pack(v === undefined ? null : widenIntegers(v)),
    },
  ],
  [
    BodyFormat.RAW,
    {
      decode: (b) => Buffer.from(b.buffer, b.byteOffset, b.length),
      encode: (v) => {
        if (v instanceof Uint8Array) return v;
        if (typeof v === 'string') return Buffer.from(v);
        if (v === undefined || v === null) return EMPTY;
        throw new OutriggerError('UNSUPPORTED_CODEC', 'unknown Raw payload type');
      },
    },
  ],
  [BodyFormat.GOB, gobBodyCodec],
]);

function codecFor(format: BodyFormat): FormatCodec {
  const c = codecs.get(format);
  if (!c) throw new OutriggerError('UNSUPPORTED_CODEC', `body format ${FORMAT_NAMES[format] ?? format} is not supported`);
  return c;
}

/**
 * A body a client sent, decoded. Errors are OutriggerErrors (MALFORMED_JSON,
 * INVALID_PARAMS) built with stack capture off: a flood of malformed bodies
 * costs no stack walk per body, in the parser or here.
 */
export function decodeBody(format: BodyFormat, bytes: Uint8Array): unknown {
  const codec = codecFor(format);
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return codec.decode(bytes);
  } catch (err) {
    if (err instanceof OutriggerError) throw err;
    const code = format === BodyFormat.JSON ? 'MALFORMED_JSON' : 'INVALID_PARAMS';
    throw new OutriggerError(code, `cannot decode ${FORMAT_NAMES[format]} body: ${(err as Error).message}`);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

// Handlers answer many calls with one frozen constant (kafka.produce's
// {accepted: true}): its encoding is kept per format rather than made per
// call. Only objects whose members are all primitives qualify, so nothing
// reachable from a cached value can change. Callers copy the bytes out.
const constantEncodings = new WeakMap<object, Map<BodyFormat, Uint8Array> | null>();

/** The per-format encodings of a constant result, or null when `value` does not qualify. */
function constantCache(value: object): Map<BodyFormat, Uint8Array> | null {
  let known = constantEncodings.get(value);
  if (known === undefined) {
    known = Object.values(value).every((v) => v === null || typeof v !== 'object') ? new Map() : null;
    constantEncodings.set(value, known);
  }
  return known;
}

export function encodeResult(format: BodyFormat, value: unknown): Uint8Array {
  const cache = typeof value === 'object' && value !== null && Object.isFrozen(value) ? constantCache(value) : null;
  if (!cache) return codecFor(format).encode(value);
  let bytes = cache.get(format);
  if (!bytes) cache.set(format, (bytes = codecFor(format).encode(value)));
  return bytes;
}
