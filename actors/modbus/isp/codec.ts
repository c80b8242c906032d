/*
 * ISP, the IoT Sidecar Protocol that Modbus gateways speak. Pure codec: no
 * sockets, no timers. Lines are split by runtime/codec/lines.ts; DATA lines
 * are built by data-lines.ts.
 *
 *   stream   <message>\n<message>\n...     UTF-8 JSON, one message per line.
 *            "\r\n" is accepted; blank lines are ignored. A line longer than
 *            the cap (bytes, newline excluded) is refused and skipped.
 *   message  {"type": T, "id"?: string, "timestamp": <int ns since epoch>, "payload"?: {...}}
 *
 *   T          direction            payload
 *   CONFIG     gateway -> sidecar   device config (validated by the Modbus actor)
 *   STATUS     gateway -> sidecar   optional {"device"?: string, "values"?: bool}
 *   DATA       sidecar -> gateway   {"points": [{key, source, timestamp, value, type, quality, tags}]},
 *                                   at most 100 points; quality 1 good, 0 bad, -1 unknown
 *   RESPONSE   both                 {"success": bool, "error"?: string, "code"?: string, ...}
 *   HEARTBEAT  both                 none
 *
 * Timestamps are written as exact integer nanoseconds (microsecond resolution);
 * they exceed 2^53, so JSON.parse in JavaScript rounds them.
 */
import { isUtf8 } from 'node:buffer';
import { objectShape } from '../../../runtime/codec/json-envelope.ts';

const CR = 0x0d;

export const ISP_TYPES = ['CONFIG', 'DATA', 'STATUS', 'RESPONSE', 'HEARTBEAT'] as const;
export type IspType = (typeof ISP_TYPES)[number];

export const MAX_POINTS_PER_DATA = 100;

export const Quality = { GOOD: 1, BAD: 0, UNKNOWN: -1 } as const;
export type QualityValue = (typeof Quality)[keyof typeof Quality];

export interface IspMessage {
  type: IspType;
  id: string | undefined;
  timestamp: number | undefined;
  payload: Record<string, unknown> | undefined;
}

export interface IspError {
  code: string;
  message: string;
  /** The offending field, dotted (`payload.points[3].quality`), when one is to blame. */
  field?: string;
}

export type IspParseResult = { ok: true; msg: IspMessage } | { ok: false; error: IspError; id: string | undefined };
function fail(code: string, message: string, id: string | undefined, field?: string): IspParseResult {
  return { ok: false, error: field === undefined ? { code, message } : { code, message, field }, id };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses and validates one line as an ISP envelope. `from` says who sent it:
 * a sidecar refuses DATA from a gateway, a gateway client checks DATA points.
 */
export function parseIspLine(line: Buffer, from: 'gateway' | 'sidecar' = 'gateway'): IspParseResult {
  if (!isUtf8(line)) return fail('ISP_INVALID_UTF8', 'line is not valid UTF-8', undefined);
  // A gateway may send garbage line after line: what cannot be JSON is refused
  // without calling JSON.parse, whose SyntaxError costs microseconds to build.
  const bad = notJson(line);
  if (bad !== null) return fail('MALFORMED_JSON', `line is not valid JSON: ${bad}`, undefined);
  let raw: unknown;
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    raw = JSON.parse(line.utf8Slice());
  } catch (err) {
    return fail('MALFORMED_JSON', `line is not valid JSON: ${(err as Error).message}`, undefined);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (!isObject(raw)) return fail('ISP_INVALID_MESSAGE', 'a message must be a JSON object', undefined, '(root)');
  const id = raw.id;
  if (id !== undefined && id !== null && typeof id !== 'string') {
    return fail('ISP_INVALID_MESSAGE', '"id" must be a string', undefined, 'id');
  }
  const msgId = typeof id === 'string' ? id : undefined;
  const type = raw.type;
  if (type === undefined) return fail('ISP_INVALID_MESSAGE', 'message has no "type"', msgId, 'type');
  if (typeof type !== 'string') return fail('ISP_INVALID_MESSAGE', '"type" must be a string', msgId, 'type');
  if (!(ISP_TYPES as readonly string[]).includes(type)) {
    return fail('ISP_UNKNOWN_TYPE', `unknown message type '${type.slice(0, 64)}' (expected ${ISP_TYPES.join(', ')})`, msgId, 'type');
  }
  const ts = raw.timestamp;
  if (ts !== undefined && ts !== null && !(typeof ts === 'number' && Number.isInteger(ts) && ts >= 0)) {
    return fail('ISP_INVALID_MESSAGE', '"timestamp" must be a non-negative integer (nanoseconds)', msgId, 'timestamp');
  }
  const payload = raw.payload;
  if (payload !== undefined && payload !== null && !isObject(payload)) {
    return fail('ISP_INVALID_MESSAGE', '"payload" must be a JSON object', msgId, 'payload');
  }
  const msg: IspMessage = {
    type: type as IspType,
    id: msgId,
    timestamp: typeof ts === 'number' ? ts : undefined,
    payload: isObject(payload) ? payload : undefined,
  };
  const err = from === 'gateway' ? checkFromGateway(msg) : checkFromSidecar(msg);
  return err ? { ok: false, error: err, id: msgId } : { ok: true, msg };
}

/** Why the line cannot be JSON, when that is cheap to tell; null leaves it to JSON.parse. */
function notJson(line: Buffer): string | null {
  let i = 0;
  while (i < line.length && (line[i] === 0x20 || line[i] === 0x09 || line[i] === CR)) i++;
  const c = line[i];
  if (c === 0x7b) return objectShape(line); // an object: its top level is checked here
  // Anything else is refused by the type check after JSON.parse, or is not JSON at all.
  const canStartJson = c === 0x5b || c === 0x22 || c === 0x2d || (c! >= 0x30 && c! <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
  return canStartJson ? null : `unexpected byte 0x${c!.toString(16).padStart(2, '0')} at ${i}`;
}

function checkFromGateway(msg: IspMessage): IspError | null {
  switch (msg.type) {
    case 'DATA':
      return { code: 'ISP_WRONG_DIRECTION', message: 'DATA is sent by the sidecar, not by a gateway', field: 'type' };
    case 'CONFIG':
      return msg.payload ? null : { code: 'ISP_INVALID_MESSAGE', message: 'CONFIG needs a "payload" object', field: 'payload' };
    case 'STATUS': {
      const p = msg.payload;
      if (p?.device !== undefined && typeof p.device !== 'string') {
        return { code: 'ISP_INVALID_MESSAGE', message: '"device" must be a string', field: 'payload.device' };
      }
      if (p?.values !== undefined && typeof p.values !== 'boolean') {
        return { code: 'ISP_INVALID_MESSAGE', message: '"values" must be a boolean', field: 'payload.values' };
      }
      return null;
    }
    default:
      return null;
  }
}

function checkFromSidecar(msg: IspMessage): IspError | null {
  const p = msg.payload;
  if (msg.type === 'RESPONSE' && typeof p?.success !== 'boolean') {
    return { code: 'ISP_INVALID_MESSAGE', message: 'RESPONSE needs "success" (boolean)', field: 'payload.success' };
  }
  if (msg.type !== 'DATA') return null;
  const points = p?.points;
  if (!Array.isArray(points)) return { code: 'ISP_INVALID_MESSAGE', message: 'DATA needs "points" (array)', field: 'payload.points' };
  if (points.length > MAX_POINTS_PER_DATA) {
    return { code: 'ISP_INVALID_MESSAGE', message: `DATA carries ${points.length} points (max ${MAX_POINTS_PER_DATA})`, field: 'payload.points' };
  }
  for (let i = 0; i < points.length; i++) {
    const bad = checkPoint(points[i]);
    if (bad) return { code: 'ISP_INVALID_MESSAGE', message: bad[1], field: `payload.points[${i}]${bad[0]}` };
  }
  return null;
}

function checkPoint(pt: unknown): [string, string] | null {
  if (!isObject(pt)) return ['', 'a point must be an object'];
  if (typeof pt.key !== 'string' || pt.key === '') return ['.key', '"key" must be a non-empty string'];
  if (typeof pt.source !== 'string') return ['.source', '"source" must be a string'];
  if (typeof pt.timestamp !== 'number' || !Number.isInteger(pt.timestamp)) return ['.timestamp', '"timestamp" must be an integer'];
  if (typeof pt.type !== 'string') return ['.type', '"type" must be a string'];
  if (pt.quality !== 1 && pt.quality !== 0 && pt.quality !== -1) return ['.quality', '"quality" must be 1, 0 or -1'];
  if (!('value' in pt)) return ['.value', 'a point needs "value" (null when unknown)'];
  if (pt.tags !== undefined && !isObject(pt.tags)) return ['.tags', '"tags" must be an object'];
  return null;
}
// ---- encoding --------------------------------------------------------------

/** Current time as integer nanoseconds since the epoch, in JSON digits (microsecond resolution). */
export function nowNs(): string {
  return `${Math.floor((performance.timeOrigin + performance.now()) * 1000)}000`;
}

/** One message line. `payload` is any JSON-serialisable value or pre-serialised JSON text. */
export function encodeIspMessage(type: IspType, id: string | undefined, payload?: unknown, payloadJson?: string): Buffer {
  let s = `{"type":"${type}"`;
  if (id !== undefined) s += `,"id":${JSON.stringify(id)}`;
  s += `,"timestamp":${nowNs()}`;
  const body = payloadJson ?? (payload === undefined ? undefined : JSON.stringify(payload));
  if (body !== undefined) s += `,"payload":${body}`;
  return Buffer.from(s + '}\n');
}

export interface ResponseBody {
  success: boolean;
  error?: string;
  code?: string;
  field?: string;
  [extra: string]: unknown;
}

export function encodeResponse(id: string | undefined, body: ResponseBody): Buffer {
  return encodeIspMessage('RESPONSE', id, body);
}

export function encodeErrorResponse(id: string | undefined, error: IspError): Buffer {
  const body: ResponseBody = { success: false, error: error.message, code: error.code };
  if (error.field !== undefined) body.field = error.field;
  return encodeResponse(id, body);
}

export function encodeHeartbeat(id?: string): Buffer {
  return encodeIspMessage('HEARTBEAT', id);
}
