/*
 * Locates the top-level members of a JSON request envelope
 *   {"id": <string|number|null>, "method": "<name>", "params": <any>,
 *    "timeout": <ms>, "traceparent": "<w3c>"}
 * without building the params value. The main thread only needs the id (to
 * echo it verbatim), the method (to route) and the byte range of params (to
 * hand to the worker untouched); the worker parses params itself. Nested
 * values are skipped structurally; the worker's JSON.parse of params is the
 * full validation. Unknown members are ignored.
 *
 * topLevelString reads one top-level string member of params the same way,
 * so the main thread can pick a pinned actor's worker without parsing params.
 */

export interface JsonEnvelope {
  /** Why the envelope is malformed (tryScanEnvelope), or null. Members before the fault are filled in. */
  malformed: string | null;
  /** Raw JSON token of `id` (with quotes for strings), or null when absent. */
  idStart: number;
  idEnd: number;
  method: string | null;
  paramsStart: number;
  paramsEnd: number;
  timeoutMs: number | undefined;
  traceparent: string | undefined;
}

/**
 * What scanEnvelope throws. Built without a stack trace: a flood of malformed
 * requests must not cost a stack capture each (tryScanEnvelope throws nothing).
 */
export class EnvelopeError extends Error {
  constructor(
    message: string,
    readonly envelope: JsonEnvelope,
  ) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && isWs(b[i]!)) i++;
  return i;
}

/** Returns the index after the closing quote of a string starting at i (b[i] === '"'), or -1. */
function skipString(b: Uint8Array, i: number): number {
  i++;
  while (i < b.length) {
    const c = b[i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i += 2;
    else if (c < 0x20) return -1;
    else i++;
  }
  return -1;
}

/**
 * skipString for strings nested in params: finds the closing quote with
 * indexOf (native, far faster than a byte loop over long values) and leaves
 * control characters to the worker's JSON.parse, which validates params whole.
 */
function skipNestedString(b: Uint8Array, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return -1;
    let backslashes = 0;
    while (b[q - 1 - backslashes] === BACKSLASH) backslashes++;
    if ((backslashes & 1) === 0) return q + 1;
    from = q + 1;
  }
}

/** Index after the value starting at i, or -1 when the value is malformed. */
function skipValue(b: Uint8Array, i: number): number {
  if (i >= b.length) return -1;
  const c = b[i]!;
  if (c === QUOTE) return skipString(b, i);
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    while (i < b.length) {
      const d = b[i]!;
      if (d === QUOTE) {
        i = skipNestedString(b, i);
        if (i < 0) return -1;
        continue;
      }
      if (d === LBRACE || d === LBRACKET) depth++;
      else if (d === RBRACE || d === RBRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  const start = i;
  while (i < b.length) {
    const d = b[i]!;
    if (d === COMMA || d === RBRACE || d === RBRACKET || isWs(d)) break;
    i++;
  }
  if (i === start) return -1;
  return isScalarLiteral(b, start, i) ? i : -1;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** Whether bytes [start, end) are `word`'s char codes (ASCII, or latin1 for raw tokens). */
function literalIs(b: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (b[start + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** A JSON number (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?) or true/false/null, checked on the bytes. */
function isScalarLiteral(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (b[i] === 0x2d) i++; // -
  if (!isDigit(b[i])) return literalIs(b, start, end, 'true') || literalIs(b, start, end, 'false') || literalIs(b, start, end, 'null');
  if (b[i] === 0x30) i++;
  else while (i < end && isDigit(b[i])) i++;
  if (i < end && b[i] === 0x2e) {
    i++;
    if (!isDigit(b[i]) || i >= end) return false;
    while (i < end && isDigit(b[i])) i++;
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i]) || i >= end) return false;
    while (i < end && isDigit(b[i])) i++;
  }
  return i === end;
}

// Method names repeat: the last few are kept with their raw token (held as
// latin1, one char per byte), so a request whose method matches one costs a
// byte compare instead of a string decode.
const METHOD_CACHE_SIZE = 16;
const methodTokens: string[] = [];
const methodNames: string[] = [];

/** The string token at [start, end) decoded, or null when it holds an invalid escape. */
function stringValue(b: Uint8Array, start: number, end: number): string | null {
  const raw = Buffer.from(b.buffer, b.byteOffset + start, end - start);
  // Fast path: no escapes, so the bytes between the quotes are the string.
  if (raw.indexOf(BACKSLASH) < 0) return raw.utf8Slice(1, raw.length - 1);
  return hasValidEscapes(raw) ? (JSON.parse(raw.utf8Slice()) as string) : null;
}

const HEX = /^[0-9a-fA-F]{4}$/;

/** Whether every backslash of a string token starts an escape JSON allows (so JSON.parse cannot throw on it). */
function hasValidEscapes(raw: Buffer): boolean {
  for (let i = raw.indexOf(BACKSLASH); i >= 0 && i < raw.length - 1; i = raw.indexOf(BACKSLASH, i)) {
    const c = raw[i + 1]!;
    if (c === 0x75) {
      if (i + 6 > raw.length || !HEX.test(raw.latin1Slice(i + 2, i + 6))) return false;
      i += 6;
    } else if (c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
      i += 2;
    } else return false;
  }
  return true;
}

function methodValue(b: Uint8Array, start: number, end: number): string | null {
  for (let m = 0; m < methodTokens.length; m++) if (literalIs(b, start, end, methodTokens[m]!)) return methodNames[m]!;
  const name = stringValue(b, start, end);
  if (name === null) return null;
  if (methodTokens.length === METHOD_CACHE_SIZE) {
    methodTokens.shift();
    methodNames.shift();
  }
  methodTokens.push(Buffer.from(b.buffer, b.byteOffset + start, end - start).latin1Slice());
  methodNames.push(name);
  return name;
}

/** Whether the member name token at [start, end) (quotes included) is `key`. */
function keyIs(b: Uint8Array, start: number, end: number, key: string): boolean {
  return literalIs(b, start + 1, end - 1, key);
}

/** Called per member of an object; returning true stops the walk. */
type MemberVisitor<C> = (ctx: C, b: Uint8Array, kStart: number, kEnd: number, vStart: number, vEnd: number) => boolean;

const STOPPED = -1;

/**
 * Walks the members of the JSON object at b[i] (after whitespace), skipping
 * each value structurally. Returns the index after its "}", STOPPED when
 * `visit` stopped it, or what is malformed. `ctx` is handed to `visit` so
 * callers need no closure per walk.
 */
function walkMembers<C>(b: Uint8Array, i: number, ctx: C, visit: MemberVisitor<C>): number | string {
  i = skipWs(b, i);
  if (b[i] !== LBRACE) return 'not a JSON object';
  i = skipWs(b, i + 1);
  if (b[i] === RBRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return 'expected a member name';
    const kStart = i;
    const kEnd = skipString(b, i);
    if (kEnd < 0) return 'unterminated member name';
    i = skipWs(b, kEnd);
    if (b[i] !== COLON) return 'expected ":" after member name';
    const vStart = skipWs(b, i + 1);
    const vEnd = skipValue(b, vStart);
    if (vEnd < 0) return 'malformed member value';
    if (visit(ctx, b, kStart, kEnd, vStart, vEnd)) return STOPPED;
    i = skipWs(b, vEnd);
    if (b[i] === COMMA) {
      i = skipWs(b, i + 1);
      continue;
    }
    if (b[i] === RBRACE) return i + 1;
    return 'expected "," or "}"';
  }
}

/**
 * Scans a request envelope; a malformed one comes back with `malformed` set
 * (and the members read before the fault, e.g. the id to answer with), never
 * as an exception.
 */
export function tryScanEnvelope(b: Uint8Array): JsonEnvelope {
  const env: JsonEnvelope = {
    malformed: null,
    idStart: -1,
    idEnd: -1,
    method: null,
    paramsStart: -1,
    paramsEnd: -1,
    timeoutMs: undefined,
    traceparent: undefined,
  };
  const end = walkMembers(b, 0, env, assign);
  if (typeof end === 'string') env.malformed = end === 'not a JSON object' ? 'request payload is not a JSON object' : end;
  else if (env.malformed === null && skipWs(b, end) !== b.length) env.malformed = 'trailing bytes after the request object';
  return env;
}

const noMember: MemberVisitor<null> = () => false;

/**
 * Why `b` is not one JSON object, or null when its top level is well formed
 * (nested values are only skipped structurally: JSON.parse still has the last
 * word). Costs no exception, so a line-based protocol can refuse garbage
 * before JSON.parse builds a SyntaxError for it.
 */
export function objectShape(b: Uint8Array): string | null {
  const end = walkMembers(b, 0, null, noMember);
  if (typeof end === 'string') return end;
  return skipWs(b, end) === b.length ? null : 'trailing bytes after the object';
}

/** tryScanEnvelope that throws an EnvelopeError (no stack trace) for a malformed envelope. */
export function scanEnvelope(b: Uint8Array): JsonEnvelope {
  const env = tryScanEnvelope(b);
  if (env.malformed !== null) throw new EnvelopeError(env.malformed, env);
  return env;
}

interface StringLookup {
  name: string;
  value: string | undefined;
}

function matchString(ctx: StringLookup, b: Uint8Array, kStart: number, kEnd: number, vStart: number, vEnd: number): boolean {
  if (!keyIs(b, kStart, kEnd, ctx.name)) return false;
  if (b[vStart] === QUOTE) ctx.value = stringValue(b, vStart, vEnd) ?? undefined;
  return true;
}

/**
 * The string value of top-level member `name` of the JSON object in `b`
 * (params), decoding nothing else; undefined when it is absent, not a string,
 * holds an invalid escape, or the bytes before it are malformed. Nested members of the same name do
 * not count. Strings here are not checked for control characters: the worker's
 * JSON.parse still validates the whole body.
 */
export function topLevelString(b: Uint8Array, name: string): string | undefined {
  const lookup: StringLookup = { name, value: undefined };
  walkMembers(b, 0, lookup, matchString);
  return lookup.value;
}

/** Records the members the envelope needs; a bad one sets `malformed` and stops the walk. */
function assign(env: JsonEnvelope, b: Uint8Array, kStart: number, kEnd: number, vStart: number, vEnd: number): boolean {
  const first = b[vStart]!;
  if (keyIs(b, kStart, kEnd, 'id')) {
    if (first === LBRACE || first === LBRACKET) return fault(env, '"id" must be a string, number or null');
    env.idStart = vStart;
    env.idEnd = vEnd;
  } else if (keyIs(b, kStart, kEnd, 'method')) {
    if (first !== QUOTE) return fault(env, '"method" must be a string');
    env.method = methodValue(b, vStart, vEnd);
    if (env.method === null) return fault(env, '"method" holds an invalid escape');
  } else if (keyIs(b, kStart, kEnd, 'params')) {
    env.paramsStart = vStart;
    env.paramsEnd = vEnd;
  } else if (keyIs(b, kStart, kEnd, 'timeout')) {
    const n = Number(Buffer.from(b.buffer, b.byteOffset + vStart, vEnd - vStart).latin1Slice());
    if (!Number.isFinite(n) || n <= 0) return fault(env, '"timeout" must be a positive number of milliseconds');
    env.timeoutMs = n;
  } else if (keyIs(b, kStart, kEnd, 'traceparent')) {
    if (first === QUOTE) {
      const t = stringValue(b, vStart, vEnd);
      if (t === null) return fault(env, '"traceparent" holds an invalid escape');
      env.traceparent = t;
    }
  }
  return false;
}

function fault(env: JsonEnvelope, why: string): true {
  env.malformed = why;
  return true;
}
