// A gob stream whose one value is a top-level string, the body of every
// string argument and reply of Go's net/rpc (an Echo, a key, a JSON text):
//
//   uint(msgLen) int(6) = 0x0c, uint(0) = 0x00 (singleton delta), uint(n), n bytes UTF-8
//
// It needs no type definitions, so it is read and written here without the
// stream reader and encoder (type tables, writers, inference). Measured inside
// the daemon on a connection that makes one Goridge call (performance.now()
// around each step, the Go load generator connecting per call): the general
// encoder took 6.6 µs and the reader 3.0 µs for a 5-byte string, each call
// starting with cold caches; this path touches one short function each way.
// Anything it does not recognise goes to the general path, which gives the
// same answer or the precise error.

import { gobUintSize, putGobUint } from './wire.ts';

const STRING_ID = 0x0c; // int(6): gob's builtin string type
const SINGLETON = 0x00;

let at = 0;

/** The uint at `at` below `limit`, advancing `at`; -1 when absent or wider than 6 bytes (left to the general reader). */
function uintAt(src: Uint8Array, limit: number): number {
  if (at >= limit) return -1;
  const b = src[at++]!;
  if (b < 0x80) return b;
  const n = 256 - b;
  if (n > 6 || limit - at < n) return -1;
  let x = 0;
  for (let i = 0; i < n; i++) x = x * 256 + src[at++]!;
  return x;
}

/** The string of a stream that holds one, and where its message ends; null for any other stream. */
export function decodeTopString(src: Buffer): { value: string; end: number } | null {
  at = 0;
  const len = uintAt(src, src.length);
  if (len < 0 || len > src.length - at) return null;
  const end = at + len;
  if (end - at < 2 || src[at] !== STRING_ID || src[at + 1] !== SINGLETON) return null;
  at += 2;
  const n = uintAt(src, end);
  if (n < 0 || n > end - at) return null;
  // Leftover bytes of the message are dropped, as the general reader (and Go) drop them.
  return { value: src.toString('utf8', at, at + n), end };
}

/** The gob stream of one top-level string, byte for byte what the general encoder writes. */
export function encodeTopString(s: string): Buffer {
  const n = Buffer.byteLength(s, 'utf8');
  const inner = 2 + gobUintSize(n) + n;
  const out = Buffer.allocUnsafe(gobUintSize(inner) + inner);
  let o = putGobUint(out, 0, inner);
  out[o++] = STRING_ID;
  out[o++] = SINGLETON;
  o = putGobUint(out, o, n);
  out.write(s, o, n, 'utf8');
  return out;
}
