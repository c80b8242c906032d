import type { BodyFormat } from '../codec/body/formats.ts';
import type { SerializedError } from '../errors/error.ts';
import type { DeadlineEntry, DeadlineList } from './deadlines.ts';
import type { Grants } from './policy.ts';

/**
 * Where a reply goes: one per client connection. The listener's protocol
 * session implements it and turns results into frames of its own protocol.
 */
export interface ReplySink {
  /** False once the connection is gone; replies for it are dropped and counted. */
  readonly open: boolean;
  /** Name of the listener the connection came in on (request metrics label it by this). */
  readonly listener?: string;
  /** Policy classes the caller may call (router/policy.ts). */
  readonly grants: Grants;
  /** Presents the shared token on this connection; true when it matched. */
  authenticate?(token: string): boolean;
  resolve(p: Pending, result: Uint8Array): void;
  reject(p: Pending, error: SerializedError): void;
}

/** Settles requests: the router, as actor hosts see it. */
export interface Settler {
  resolve(p: Pending, result: Uint8Array): void;
  reject(p: Pending, error: SerializedError): void;
  /** A reply arrived for a request that had already settled (timed out). */
  late(): void;
}

/** An actor host holding requests: told when one settles, asked whether it is full. */
export interface PendingHolder {
  release(p: Pending): void;
  /** Its queue is at its bound: the caller should stop reading until onDrain fires. */
  readonly saturated: boolean;
  onDrain(fn: () => void): void;
}

/**
 * One request in flight. The (connection, request id) pair lives here as
 * (sink, token): `token` is the protocol's own reply context (IPC id and
 * frame type, Goridge seq and method). `handle` is the number that crosses
 * the thread boundary in its place.
 */
export class Pending implements DeadlineEntry {
  handle = 0;
  settled = false;
  /** The deadline this request got, in ms (for the TIMEOUT message). */
  timeoutMs = 0;
  /** performance.now() at dispatch, for sub-millisecond latency metrics. */
  startedHr = 0;
  deadline = 0;
  /** W3C traceparent the worker sees (the tracer replaces it with its own span's when exporting). */
  traceparent: string | undefined = undefined;
  /** The tracer's open span for this request (runtime/tracing/tracer.ts), when it is sampled. */
  traceSpan: unknown = null;
  dlPrev: DeadlineEntry | null = null;
  dlNext: DeadlineEntry | null = null;
  dlList: DeadlineList | null = null;
  /** Whoever holds the request (an actor host), told once when it settles. */
  holder: PendingHolder | null = null;
  /** The holder's own bookkeeping (which worker slot has it). */
  slot = -1;

  constructor(
    readonly sink: ReplySink,
    readonly token: unknown,
    readonly method: string,
    readonly format: BodyFormat,
  ) {}
}
