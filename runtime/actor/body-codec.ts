import { Packr } from 'msgpackr';
import { OutriggerError } from '../errors/error.ts';
import { BodyFormat, FORMAT_NAMES } from './formats.ts';

/**
 * Decodes request bodies and encodes results for every body format. Shared by
 * worker threads (the hot path) and the main thread (main-thread routes,
 * pinned-key extraction).
 */
export interface FormatCodec {
  decode(bytes: Uint8Array): unknown;
  encode(value: unknown): Uint8Array;
}

// useRecords off: plain msgpack maps, so PHP's ext-msgpack and Go's
// vmihailenco/msgpack read what we write. variableMapSize: small objects get
// fixmap headers as those encoders write them (byte-equal Goridge replies).
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

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
      decode: (b) => (b.length === 0 ? undefined : packr.unpack(b)),
      encode: (v) => packr.pack(v === undefined ? null : v),
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
]);

/** Lets a protocol module add a body format (Goridge adds gob). Call it in module scope so workers get it too. */
export function registerFormat(format: BodyFormat, codec: FormatCodec): void {
  codecs.set(format, codec);
}

function codecFor(format: BodyFormat): FormatCodec {
  const c = codecs.get(format);
  if (!c) throw new OutriggerError('UNSUPPORTED_CODEC', `body format ${FORMAT_NAMES[format] ?? format} is not supported`);
  return c;
}

export function decodeBody(format: BodyFormat, bytes: Uint8Array): unknown {
  const codec = codecFor(format);
  try {
    return codec.decode(bytes);
  } catch (err) {
    if (err instanceof OutriggerError) throw err;
    const code = format === BodyFormat.JSON ? 'MALFORMED_JSON' : 'INVALID_PARAMS';
    throw new OutriggerError(code, `cannot decode ${FORMAT_NAMES[format]} body: ${(err as Error).message}`);
  }
}

export function encodeResult(format: BodyFormat, value: unknown): Uint8Array {
  return codecFor(format).encode(value);
}
