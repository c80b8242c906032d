// Kafka keys, values and header values are bytes; callers speak JSON or
// msgpack. In: a string (UTF-8), raw bytes (msgpack bin), or
// {"base64": "..."} for binary over JSON. Out: `auto` gives a string when
// the bytes are valid UTF-8 and {"base64": ...} otherwise (lossless, and
// plain text stays plain); `base64` always the object; `bytes` raw bytes
// (msgpack bin).
import { isUtf8 } from 'node:buffer';
import { OutriggerError } from '../../runtime/errors/error.ts';

export type BinaryEncoding = 'auto' | 'base64' | 'bytes';
export type EncodedBytes = string | Uint8Array | { base64: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function toBytes(v: unknown, field: string): Buffer {
  if (typeof v === 'string') return Buffer.from(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const b64 = (v as { base64?: unknown }).base64;
    if (typeof b64 === 'string' && Object.keys(v).length === 1 && b64.length % 4 === 0 && BASE64.test(b64)) return Buffer.from(b64, 'base64');
  }
  throw new OutriggerError('INVALID_PARAMS', `params.${field} must be a string, bytes, or {"base64": "<standard base64>"}`, { field });
}

export function toNullableBytes(v: unknown, field: string): Buffer | null {
  return v === null || v === undefined ? null : toBytes(v, field);
}

/** Like toNullableBytes, but a string stays a string (UTF-8 text, encoded once by the driver). */
export function toNullablePayload(v: unknown, field: string): Buffer | string | null {
  return typeof v === 'string' ? v : toNullableBytes(v, field);
}

export function fromBytes(b: Buffer | null, encoding: BinaryEncoding): EncodedBytes | null {
  if (b === null) return null;
  if (encoding === 'bytes') return b;
  if (encoding === 'auto' && isUtf8(b)) return b.toString('utf8');
  return { base64: b.toString('base64') };
}
