/*
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/):
 *
 *   00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
 *   ^  ^ trace-id (16 bytes hex)        ^ parent-id (8)  ^ flags (bit 0: sampled)
 *   version (ff invalid; future versions may append "-..." fields)
 *
 * Pure helpers: parse and validate what a client sent, make child span ids
 * for the hops Outrigger adds (Kafka message headers, ES bulk requests), and
 * read it back from consumed records.
 */
import { randomFillSync } from 'node:crypto';

export interface TraceContext {
  version: string;
  /** 32 lowercase hex chars, not all zero. */
  traceId: string;
  /** 16 lowercase hex chars, not all zero: the caller's span. */
  parentId: string;
  flags: number;
  sampled: boolean;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const HEX2 = /^[0-9a-f]{2}$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);

/** Parses a traceparent header; null when it is not valid (then a new trace starts, per the spec). */
export function parseTraceparent(value: string | undefined | null): TraceContext | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (v.length < 55) return null;
  const version = v.slice(0, 2);
  if (!HEX2.test(version) || version === 'ff') return null;
  if (v[2] !== '-' || v[35] !== '-' || v[52] !== '-') return null;
  // Version 00 is exactly 55 chars; later versions may add fields after another '-'.
  if (version === '00' ? v.length !== 55 : v.length > 55 && v[55] !== '-') return null;
  const traceId = v.slice(3, 35);
  const parentId = v.slice(36, 52);
  const flagsHex = v.slice(53, 55);
  if (!HEX32.test(traceId) || traceId === ZERO32) return null;
  if (!HEX16.test(parentId) || parentId === ZERO16) return null;
  if (!HEX2.test(flagsHex)) return null;
  const flags = parseInt(flagsHex, 16);
  return { version, traceId, parentId, flags, sampled: (flags & 1) === 1 };
}

export function isValidTraceparent(value: string | undefined | null): boolean {
  return parseTraceparent(value) !== null;
}

// Ids come from a pooled random buffer: one randomFillSync per 512 span ids.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    // All-zero ids are invalid; the chance is negligible but the rule is absolute.
    if (!/^0+$/.test(hex)) return hex;
  }
}

export function newTraceId(): string {
  return randomHex(16);
}

export function newSpanId(): string {
  return randomHex(8);
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

export interface ChildSpan {
  traceparent: string;
  traceId: string;
  spanId: string;
  /** The span it continues, or undefined when a new trace was started. */
  parentSpanId: string | undefined;
  sampled: boolean;
}

/**
 * A new span under `parent` (same trace id, new span id, same sampled flag);
 * a new root trace when parent is missing or invalid.
 */
export function childSpan(parent: string | undefined | null, sampledIfNew = false): ChildSpan {
  const ctx = parseTraceparent(parent);
  const traceId = ctx?.traceId ?? newTraceId();
  const spanId = newSpanId();
  const sampled = ctx ? ctx.sampled : sampledIfNew;
  return { traceparent: formatTraceparent(traceId, spanId, sampled), traceId, spanId, parentSpanId: ctx?.parentId, sampled };
}

/**
 * Headers to put on a produced Kafka message so the consumer continues the
 * trace: `{ traceparent }` with a fresh span id under the request's span.
 * Empty when the request carried no valid traceparent (nothing to continue).
 */
export function kafkaTraceHeaders(traceparent: string | undefined): Record<string, string> {
  if (!isValidTraceparent(traceparent)) return {};
  return { traceparent: childSpan(traceparent).traceparent };
}

/** HTTP headers for an outgoing request (ES _bulk): same rule as kafkaTraceHeaders. */
export function httpTraceHeaders(traceparent: string | undefined): Record<string, string> {
  return kafkaTraceHeaders(traceparent);
}

type HeaderValue = string | Buffer | Uint8Array | (string | Buffer)[] | undefined | null;

/** The traceparent of a consumed Kafka record (kafkajs gives header values as Buffers), if valid. */
export function traceparentFromHeaders(headers: Record<string, HeaderValue> | undefined): string | undefined {
  if (!headers) return undefined;
  let raw = headers.traceparent ?? headers.Traceparent ?? headers.TRACEPARENT;
  if (Array.isArray(raw)) raw = raw[0];
  if (raw === undefined || raw === null) return undefined;
  const s = typeof raw === 'string' ? raw : Buffer.from(raw).toString('latin1');
  return isValidTraceparent(s) ? s.trim() : undefined;
}
