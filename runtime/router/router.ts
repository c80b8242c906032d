import { performance } from 'node:perf_hooks';
import { decodeBody, encodeResult } from '../codec/body/body-codec.ts';
import type { BodyFormat } from '../codec/body/formats.ts';
import { serializeError, type SerializedError } from '../errors/error.ts';
import { type Clock, systemClock } from './clock.ts';
import { DeadlineRegistry } from './deadlines.ts';
import { Pending, type ReplySink, type Settler } from './pending.ts';

/** A method served on the main thread (control plane: stats, status, init). */
export type MainHandler = (params: unknown, ctx: { method: string; deadline: number }) => unknown;

/** What the router needs of an actor to hand it requests. */
export interface RouteTarget {
  readonly name: string;
  readonly methods: readonly string[];
  /** The queue is at its bound. */
  readonly saturated: boolean;
  readonly queueLimit: number;
  submit(p: Pending, methodIndex: number, body: Uint8Array, traceparent: string | undefined): void;
}

export type Route =
  | { kind: 'actor'; method: string; host: RouteTarget; methodIndex: number; timeoutMs: number | undefined }
  | { kind: 'main'; method: string; handler: MainHandler; timeoutMs: number | undefined };

export interface DispatchOptions {
  timeoutMs?: number | undefined;
  traceparent?: string | undefined;
}

export interface RouterOptions {
  defaultTimeoutMs: number;
  /** Per-method overrides from config, by full method name. */
  methodTimeoutsMs?: Record<string, number>;
  overflow: 'pause' | 'reject';
  clock?: Clock;
}

export class RouterStats {
  requests = 0;
  ok = 0;
  errors = 0;
  timeouts = 0;
  /** Replies that arrived after their request had timed out. */
  lateReplies = 0;
  /** Replies whose connection had closed. */
  orphanReplies = 0;
  busy = 0;
  readonly errorsByCode = new Map<string, number>();
  readonly byMethod = new Map<string, { ok: number; error: number }>();
}

/**
 * Maps method names to actors and owns every pending request: its deadline,
 * and exactly-once delivery of its reply or error to the connection.
 */
export class Router implements Settler {
  readonly stats = new RouterStats();
  readonly #routes = new Map<string, Route>();
  readonly #deadlines: DeadlineRegistry<Pending>;
  readonly #clock: Clock;
  #draining = false;
  /** Hook for metrics and tracing: called once per settled request; durationMs is sub-millisecond. */
  onSettled: ((p: Pending, outcome: string, durationMs: number) => void) | null = null;
  /** Hook for tracing: called for a routed request before it goes to its actor (may replace p.traceparent). */
  onDispatch: ((p: Pending) => void) | null = null;

  constructor(readonly opts: RouterOptions) {
    this.#clock = opts.clock ?? systemClock;
    this.#deadlines = new DeadlineRegistry<Pending>((p) => this.#expire(p), this.#clock);
  }

  get inflight(): number {
    return this.#deadlines.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  startDraining(): void {
    this.#draining = true;
  }

  register(route: Route): void {
    if (this.#routes.has(route.method)) throw new Error(`method '${route.method}' is registered twice`);
    this.#routes.set(route.method, route);
  }

  registerActor(host: RouteTarget): void {
    host.methods.forEach((m, methodIndex) => {
      const method = `${host.name}.${m}`;
      this.register({ kind: 'actor', method, host, methodIndex, timeoutMs: this.opts.methodTimeoutsMs?.[method] });
    });
  }

  registerMain(method: string, handler: MainHandler): void {
    this.register({ kind: 'main', method, handler, timeoutMs: this.opts.methodTimeoutsMs?.[method] });
  }

  /** Hot reload: removes an actor's methods; requests already dispatched finish on the old host. */
  unregisterActor(host: RouteTarget): void {
    for (const m of host.methods) {
      const method = `${host.name}.${m}`;
      if (this.#routes.get(method)?.kind === 'actor') this.#routes.delete(method);
    }
  }

  /** Hot reload: new default and per-method deadlines for requests dispatched from now on. */
  setTimeouts(defaultTimeoutMs: number, methodTimeoutsMs: Record<string, number>): void {
    this.opts.defaultTimeoutMs = defaultTimeoutMs;
    this.opts.methodTimeoutsMs = methodTimeoutsMs;
    for (const route of this.#routes.values()) route.timeoutMs = methodTimeoutsMs[route.method];
  }

  lookup(method: string): Route | undefined {
    return this.#routes.get(method);
  }

  methods(): string[] {
    return [...this.#routes.keys()];
  }

  /**
   * Starts a request. Errors (unknown method, draining, busy) are delivered
   * through the sink like any reply, so callers handle one path. While the
   * request is held by an actor, `p.holder` is that actor: a caller in pause
   * mode stops reading when `p.holder.saturated` (ConnectionAdmission).
   */
  dispatch(
    sink: ReplySink,
    token: unknown,
    method: string,
    format: BodyFormat,
    body: Uint8Array,
    opts?: DispatchOptions,
  ): Pending {
    const p = new Pending(sink, token, method, format);
    p.startedHr = performance.now();
    p.traceparent = opts?.traceparent;
    this.stats.requests++;
    const route = this.#routes.get(method);
    if (this.#draining) {
      this.#failNow(p, { code: 'SHUTTING_DOWN', message: 'the daemon is shutting down' });
      return p;
    }
    if (!route) {
      this.#failNow(p, { code: 'UNKNOWN_METHOD', message: `unknown method '${method}'` });
      return p;
    }
    p.timeoutMs = opts?.timeoutMs ?? route.timeoutMs ?? this.opts.defaultTimeoutMs;
    this.#deadlines.add(p, p.timeoutMs);
    this.onDispatch?.(p);
    if (route.kind === 'main') {
      this.#runMain(p, route, body);
      return p;
    }
    const host = route.host;
    if (host.saturated && this.opts.overflow === 'reject') {
      this.stats.busy++;
      this.reject(p, { code: 'BUSY', message: `actor '${host.name}' queue is full (${host.queueLimit})` });
      return p;
    }
    host.submit(p, route.methodIndex, body, p.traceparent);
    return p;
  }

  #runMain(p: Pending, route: Extract<Route, { kind: 'main' }>, body: Uint8Array): void {
    let out: unknown;
    try {
      out = route.handler(decodeBody(p.format, body), { method: route.method, deadline: p.deadline });
    } catch (err) {
      this.reject(p, serializeError(err));
      return;
    }
    Promise.resolve(out).then(
      (v) => {
        try {
          this.resolve(p, encodeResult(p.format, v));
        } catch (err) {
          this.reject(p, serializeError(err));
        }
      },
      (err) => this.reject(p, serializeError(err)),
    );
  }

  resolve(p: Pending, result: Uint8Array): void {
    if (!this.#settle(p, 'ok')) return;
    this.stats.ok++;
    p.sink.resolve(p, result);
  }

  reject(p: Pending, error: SerializedError): void {
    if (!this.#settle(p, error.code)) return;
    this.#countError(error.code);
    p.sink.reject(p, error);
  }

  late(): void {
    this.stats.lateReplies++;
  }

  /** Rejects a request that never entered the registry (no deadline, no holder). */
  #failNow(p: Pending, error: SerializedError): void {
    p.settled = true;
    this.#countError(error.code);
    this.onSettled?.(p, error.code, 0);
    if (p.sink.open) p.sink.reject(p, error);
  }

  #countError(code: string): void {
    this.stats.errors++;
    this.stats.errorsByCode.set(code, (this.stats.errorsByCode.get(code) ?? 0) + 1);
  }

  /** Marks settled exactly once; false when the reply must be dropped. */
  #settle(p: Pending, outcome: string): boolean {
    if (p.settled) {
      this.stats.lateReplies++;
      return false;
    }
    p.settled = true;
    this.#deadlines.remove(p);
    p.holder?.release(p);
    this.onSettled?.(p, outcome, performance.now() - p.startedHr);
    if (!p.sink.open) {
      this.stats.orphanReplies++;
      return false;
    }
    return true;
  }

  #expire(p: Pending): void {
    p.settled = true;
    this.stats.timeouts++;
    this.#countError('TIMEOUT');
    p.holder?.release(p);
    this.onSettled?.(p, 'TIMEOUT', performance.now() - p.startedHr);
    if (!p.sink.open) {
      this.stats.orphanReplies++;
      return;
    }
    p.sink.reject(p, { code: 'TIMEOUT', message: `request '${p.method}' timed out after ${p.timeoutMs} ms` });
  }

  /** Expires due requests now (tests with a fake clock call this). */
  expireDue(): void {
    this.#deadlines.expireDue();
  }
}
