/*
 * Goridge v3 frame codec (RoadRunner RPC, goridge v3.8.3 net/rpc mapping).
 * Pure: no I/O, no timers. The wire format is the layout below, as goridge v3.8.3
 * writes it; docs/goridge.md has what the listener does with it.
 *
 *   offset size  field
 *   0      1     version << 4 | HL (header length in 32-bit words, incl. 3 fixed words)
 *   1      1     flags: 0x01 CONTROL, 0x04 RAW, 0x08 JSON, 0x10 MSGPACK, 0x20 GOB,
 *                       0x40 ERROR, 0x80 PROTO
 *   2      4     payload length, uint32 LE (options not included)
 *   6      4     CRC-32 (IEEE) of bytes 0..5 only, uint32 LE
 *   10     1     byte10 (STREAM/STOP/PING/PONG; worker protocol only, RPC sends 0)
 *   11     1     reserved, 0
 *   12     4*(HL-3) options, uint32 LE each. RPC: exactly two, [seq, len(method)]
 *   ...    n     payload = method name bytes ++ body
 *
 * An RPC frame is therefore always 0x15 (version 1, HL 5) with a 20-byte header.
 * Replies echo seq and the method prefix; an error reply is codec|0x40 with plain
 * UTF-8 text as body (goridgeErrorText below: `CODE: message`, then the error's
 * data as a JSON line).
 */
import type { SerializedError } from '../errors/error.ts';
// The header CRC covers 6 bytes: the table in JS takes ~30 ns where zlib.crc32
// over a subarray took ~260 ns (a view and a call into C++ each time).
import { crc32 } from './crc32.ts';
import { FrameSplitter, NEED_MORE } from './frame-splitter.ts';

export const GORIDGE_FLAG = {
  CONTROL: 0x01,
  RAW: 0x04,
  JSON: 0x08,
  MSGPACK: 0x10,
  GOB: 0x20,
  ERROR: 0x40,
  PROTO: 0x80,
} as const;

export type GoridgeCodec = 'json' | 'msgpack' | 'gob' | 'raw' | 'proto' | 'none';

export interface GoridgeFrame {
  readonly flags: number;
  readonly byte10: number;
  readonly options: number[];
  readonly seq: number;
  readonly methodLen: number;
  readonly method: string;
  /** Exact method bytes; echo these in the reply so non-UTF-8 names keep their length. */
  readonly methodBytes: Buffer;
  /** View into the payload after the method prefix (shares memory with pushed chunks). */
  readonly body: Buffer;
  readonly codec: GoridgeCodec;
}

export type GoridgeErrorCode =
  | 'GORIDGE_BAD_CRC'
  | 'GORIDGE_BAD_OPTIONS'
  | 'GORIDGE_BAD_METHOD_LEN'
  | 'FRAME_TOO_LARGE';

export interface GoridgeDecodeError {
  readonly code: GoridgeErrorCode;
  readonly message: string;
  /** FRAME_TOO_LARGE only: the refused request's seq, to answer it with an error frame. */
  readonly seq?: number;
}

export interface GoridgePushResult {
  /** Frames completed before any error; Go would still answer these. */
  readonly frames: readonly GoridgeFrame[];
  /** Fatal: Go's net/rpc stops reading and closes the connection without a reply. */
  readonly error: GoridgeDecodeError | null;
}

export interface GoridgeDecoderOptions {
  /** Cap on the payload (method + body). Go has none; we refuse before buffering. */
  maxPayloadBytes?: number;
  /** Go verifies the header CRC, PHP does not; off only for decoding crafted replies. */
  verifyCrc?: boolean;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const FIXED_HEADER = 12;
const RPC_HEADER = 20;
const RPC_HL = 5;
// Go's ReadOptions panics above 10 options (HL 13); PHP never sends them either.
const MAX_HL = 13;
const NO_FRAMES: readonly GoridgeFrame[] = Object.freeze([]);


type BodyCodec = Exclude<GoridgeCodec, 'none'>;

const CODEC_FLAG: Readonly<Record<BodyCodec, number>> = {
  proto: GORIDGE_FLAG.PROTO,
  json: GORIDGE_FLAG.JSON,
  raw: GORIDGE_FLAG.RAW,
  msgpack: GORIDGE_FLAG.MSGPACK,
  gob: GORIDGE_FLAG.GOB,
};

// Go picks a codec from the flag bits in two different orders: storeCodec
// for the reply, ReadRequestBody for the request body. They differ only when
// several codec bits are set (e.g. 0x24 decodes as gob, replies as raw).
const REPLY_ORDER: readonly BodyCodec[] = ['proto', 'json', 'raw', 'msgpack', 'gob'];
const REQUEST_ORDER: readonly BodyCodec[] = ['proto', 'json', 'gob', 'raw', 'msgpack'];

function firstCodec(flags: number, order: readonly BodyCodec[]): GoridgeCodec {
  for (const c of order) if (flags & CODEC_FLAG[c]) return c;
  return 'none';
}

// Both choices for every flag byte, made once: a frame's codec is then one indexed load.
const REPLY_CODEC: readonly GoridgeCodec[] = Array.from({ length: 256 }, (_, f) => firstCodec(f, REPLY_ORDER));
const REQUEST_CODEC: readonly GoridgeCodec[] = Array.from({ length: 256 }, (_, f) => firstCodec(f, REQUEST_ORDER));

/** Reply codec exactly as goridge's storeCodec picks it: Proto > JSON > Raw > Msgpack > Gob. */
export function codecOf(flags: number): GoridgeCodec {
  return REPLY_CODEC[flags & 0xff]!;
}

/** Codec Go's ReadRequestBody uses for the *request* body: Proto > JSON > Gob > Raw > Msgpack. */
export function requestBodyCodec(flags: number): GoridgeCodec {
  return REQUEST_CODEC[flags & 0xff]!;
}

/** Flag byte for a reply; a request without codec bits is answered as gob (Go's fallback). */
export function replyCodecFlag(codec: GoridgeCodec): number {
  return codec === 'none' ? GORIDGE_FLAG.GOB : CODEC_FLAG[codec];
}

export class GoridgeDecoder extends FrameSplitter<GoridgeDecodeError> {
  readonly #maxPayload: number;
  readonly #verifyCrc: boolean;
  #frames: GoridgeFrame[] | null = null;

  constructor(options: GoridgeDecoderOptions = {}) {
    super(RPC_HEADER);
    this.#maxPayload = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.#verifyCrc = options.verifyCrc ?? true;
  }


  push(chunk: Buffer): GoridgePushResult {
    const error = this.feed(chunk);
    const frames = this.#frames;
    this.#frames = null;
    return { frames: frames ?? NO_FRAMES, error };
  }

  // Checked as far as the bytes go, in Go's order: the fixed 12 bytes (CRC, header
  // length), then the options; the payload cap and method length need the options.
  protected checkHeader(h: Buffer, o: number, avail: number): number | GoridgeDecodeError {
    if (avail < FIXED_HEADER) return NEED_MORE;
    if (this.#verifyCrc && crc32(h, o, o + 6) !== h.readUInt32LE(o + 6)) {
      return decodeError('GORIDGE_BAD_CRC', `header CRC mismatch: wire 0x${h.readUInt32LE(o + 6).toString(16)}`);
    }
    const hl = h[o]! & 0x0f;
    if (hl !== RPC_HL) {
      return hl < 3 || hl > MAX_HL
        ? decodeError('GORIDGE_BAD_OPTIONS', `header length ${hl} words is outside 3..${MAX_HL}`)
        : decodeError('GORIDGE_BAD_OPTIONS', `should be 2 options (SEQ_ID, METHOD_LEN), got ${hl - 3}`);
    }
    if (avail < RPC_HEADER) return NEED_MORE;
    const payloadLen = h.readUInt32LE(o + 2);
    if (payloadLen > this.#maxPayload) {
      // The options are in: the error carries the seq, so the server can answer the client's call.
      return decodeError('FRAME_TOO_LARGE', `payload ${payloadLen} bytes exceeds limit ${this.#maxPayload}`, h.readUInt32LE(o + 12));
    }
    const methodLen = h.readUInt32LE(o + 16);
    if (methodLen > payloadLen) {
      return decodeError('GORIDGE_BAD_METHOD_LEN', `method length ${methodLen} exceeds payload length ${payloadLen}`);
    }
    return payloadLen;
  }

  protected frame(h: Buffer, o: number, payload: Buffer): void {
    (this.#frames ??= []).push(new DecodedFrame(h[o + 1]!, h[o + 10]!, h.readUInt32LE(o + 12), h.readUInt32LE(o + 16), payload));
  }
}

/** A plain value, not an Error: a malformed frame costs no stack capture. */
function decodeError(code: GoridgeErrorCode, message: string, seq?: number): GoridgeDecodeError {
  return seq === undefined ? { code, message } : { code, message, seq };
}

/**
 * A decoded frame. What a call that resolves its method never reads (the
 * options as a list, the method's bytes, the codec) is made only when read:
 * a one-call connection's frame is on the path of every connection.
 */
class DecodedFrame implements GoridgeFrame {
  readonly method: string;
  readonly body: Buffer;

  constructor(
    readonly flags: number,
    readonly byte10: number,
    readonly seq: number,
    readonly methodLen: number,
    readonly payload: Buffer,
  ) {
    this.method = payload.toString('utf8', 0, methodLen);
    this.body = payload.subarray(methodLen);
  }

  get options(): number[] {
    return [this.seq, this.methodLen];
  }

  get methodBytes(): Buffer {
    return this.payload.subarray(0, this.methodLen);
  }

  get codec(): GoridgeCodec {
    return codecOf(this.flags);
  }
}

function encodeFrame(seq: number, method: Buffer | string, flags: number, body: Uint8Array | null, text: string): Buffer {
  const methodLen = typeof method === 'string' ? Buffer.byteLength(method, 'utf8') : method.length;
  const bodyLen = body !== null ? body.length : Buffer.byteLength(text, 'utf8');
  const payloadLen = methodLen + bodyLen;
  if (payloadLen > 0xffffffff) throw new RangeError(`goridge payload of ${payloadLen} bytes exceeds uint32`);
  const out = Buffer.allocUnsafe(RPC_HEADER + payloadLen);
  out[0] = 0x10 | RPC_HL;
  out[1] = flags & 0xff;
  out.writeUInt32LE(payloadLen, 2);
  out.writeUInt32LE(crc32(out, 0, 6), 6);
  out[10] = 0;
  out[11] = 0;
  out.writeUInt32LE(seq >>> 0, 12); // Go truncates its uint64 Seq the same way
  out.writeUInt32LE(methodLen, 16);
  if (typeof method === 'string') out.write(method, RPC_HEADER, 'utf8');
  else out.set(method, RPC_HEADER);
  if (body !== null) out.set(body, RPC_HEADER + methodLen);
  else out.write(text, RPC_HEADER + methodLen, 'utf8');
  return out;
}

/** Successful reply: flags = the request's codec flag (see replyCodecFlag). */
export function encodeGoridgeReply(seq: number, method: Buffer | string, codecFlag: number, body: Uint8Array): Buffer {
  return encodeFrame(seq, method, codecFlag, body, '');
}

/** Error reply: flags codec|0x40, body is the plain text (never codec-encoded). */
export function encodeGoridgeError(seq: number, method: Buffer | string, codecFlag: number, text: string): Buffer {
  return encodeFrame(seq, method, codecFlag | GORIDGE_FLAG.ERROR, null, text);
}

/** Request frame, for our own test clients and benchmarks; same layout as a reply. */
export function encodeGoridgeRequest(seq: number, method: Buffer | string, codecFlag: number, body: Uint8Array): Buffer {
  return encodeFrame(seq, method, codecFlag, body, '');
}

// net/rpc (server.go readRequestHeader) dispatch errors; PHP clients may match on them.
export function rpcCantFindService(serviceMethod: string): string {
  return `rpc: can't find service ${serviceMethod}`;
}

export function rpcCantFindMethod(serviceMethod: string): string {
  return `rpc: can't find method ${serviceMethod}`;
}

export function rpcIllFormed(serviceMethod: string): string {
  return `rpc: service/method request ill-formed: ${serviceMethod}`;
}

/** net/rpc splits at the LAST dot: "rpc_test.plugin1.Hello" is service "rpc_test.plugin1". */
export function splitServiceMethod(serviceMethod: string): { service: string; method: string } | null {
  const dot = serviceMethod.lastIndexOf('.');
  if (dot < 0) return null;
  return { service: serviceMethod.slice(0, dot), method: serviceMethod.slice(dot + 1) };
}

// goridge v3.8.3 codec error texts, as captured.
export const GORIDGE_ERR_UNKNOWN_DECODER = 'goridge_read_request_body: unknown decoder used in frame';
export const GORIDGE_ERR_NOT_PROTO = 'goridge_read_request_body: message type is not a proto';
export const GORIDGE_ERR_UNKNOWN_RAW = 'unknown Raw payload type';

/** Messages that are goridge's own error texts and go out verbatim, as Go sends them. */
const GO_VERBATIM = new Set([GORIDGE_ERR_UNKNOWN_RAW]);

/**
 * Starts the line that carries an error's data in an error frame. A line of
 * its own keeps the first line exactly what Go's net/rpc clients show
 * (`CODE: message`), and a client that does not know it still finds the code
 * at the start of the text.
 */
export const GORIDGE_ERROR_DATA_PREFIX = '\ndata: ';

/**
 * Error text of an error frame:
 *
 *   CODE: message            coded errors (the bare message for errors without
 *                            a code of their own, as Go sends err.Error())
 *   data: {"json":"value"}   only when the error has data: one line of JSON
 *
 * The data line is the text after the LAST `\ndata: `; JSON never contains a
 * raw newline, so a message that itself contains `\ndata: ` is followed by a
 * `data: null` line and the split stays unambiguous.
 */
export function goridgeErrorText(e: SerializedError): string {
  const text = e.code === 'ACTOR_ERROR' || GO_VERBATIM.has(e.message) ? e.message : `${e.code}: ${e.message}`;
  const data = dataJson(e.data);
  if (data === null && !text.includes(GORIDGE_ERROR_DATA_PREFIX)) return text;
  return `${text}${GORIDGE_ERROR_DATA_PREFIX}${data ?? 'null'}`;
}

/** An error frame's text taken apart again (clients). */
export interface GoridgeErrorInfo {
  /** The stable code, or null for texts without one (Go's net/rpc texts, a handler's bare message). */
  code: string | null;
  /** The message, without the code prefix and the data line. */
  message: string;
  /** The error's data, or null when it has none. */
  data: unknown;
}

const CODE_PREFIX = /^([A-Z][A-Z0-9_]*): /;

/** Inverse of goridgeErrorText; a text from another server is all message (and maybe a code). */
export function parseGoridgeErrorText(text: string): GoridgeErrorInfo {
  let head = text;
  let data: unknown = null;
  const at = text.lastIndexOf(GORIDGE_ERROR_DATA_PREFIX);
  if (at >= 0) {
    try {
      data = JSON.parse(text.slice(at + GORIDGE_ERROR_DATA_PREFIX.length)) as unknown;
      head = text.slice(0, at);
    } catch {
      data = null; // not our data line: part of the message
    }
  }
  const m = CODE_PREFIX.exec(head);
  return m ? { code: m[1]!, message: head.slice(m[0].length), data } : { code: null, message: head, data };
}

function dataJson(data: unknown): string | null {
  if (data === undefined || data === null) return null;
  try {
    // Data crosses the worker boundary by structured clone, which allows what JSON does not.
    return JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? null;
  } catch {
    return null; // a cycle: the code and message still go out
  }
}
