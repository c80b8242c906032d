import { performance } from 'node:perf_hooks';
import { decodeBody, encodeResult } from '../codec/body/body-codec.ts';
import type { BodyFormat } from '../codec/body/formats.ts';
import { serializeError, type SerializedError } from '../errors/error.ts';
import { type Clock, systemClock } from './clock.ts';
import { DeadlineRegistry } from './deadlines.ts';
import { type PolicyClass, policyBit } from './policy.ts';
import { Pending, type ReplySink, type Settler } from './pending.ts';

/** Who called a main-thread method, and when it must be answered. */
export interface MainCallContext {
  method: string;
  deadline: number;
  caller: ReplySink;
}

/** A method served on the main thread (control plane: stats, status, init). */
export type MainHandler = (params: unknown, ctx: MainCallContext) => unknown;

export interface MainOptions {
  policy?: PolicyClass;
  /** 'none': the body is not decoded; a number: bodies above it are refused unread (default 64 KiB). */
  params?: 'none' | number;
}

/** Bodies a main-thread method decodes by default: well below the frame cap, since every listener shares the thread. */
export const MAIN_PARAMS_MAX_BYTES = 64 * 1024;

/** What the router needs of an actor to hand it requests. */
export interface RouteTarget {
  readonly name: string;
  readonly methods: readonly string[];
  /** The queue is at its bound. */
  readonly saturated: boolean;
  readonly queueLimit: number;
  submit(p: Pending, methodIndex: number, body: Uint8Array, traceparent: string | undefined): void;
}

interface RouteCommon {
  method: string;
  timeoutMs: number | undefined;
  /** Bit of the policy class callers need (router/policy.ts). */
  policy: number;
}

export type Route =
  | (RouteCommon & { kind: 'actor'; host: RouteTarget; methodIndex: number })
  | (RouteCommon & { kind: 'main'; handler: MainHandler; maxParamsBytes: number });

export interface DispatchOptions {
  timeoutMs?: number | undefined;
  traceparent?: string | undefined;
}

export interface RouterOptions {
  defaultTimeoutMs: number;
  /** A caller's own timeout is clamped to this (Node's timers can't go past 2^31-1 ms). */
  maxTimeoutMs?: number;
  /** Per-method overrides from config, by full method name. */
  methodTimeoutsMs?: Record<string, number>;
  overflow: 'pause' | 'reject';
  /** A result encoded larger than this is answered REPLY_TOO_LARGE instead (default: no cap). */
  maxReplyBytes?: number;
  clock?: Clock;
}

/** Node's timers take at most 2^31-1 ms; longer fire at once, every millisecond. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

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
  forbidden = 0;
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
  #idleWaiters: (() => void)[] = [];
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

  /** Resolves once no request is in flight, or at the deadline (epoch ms). */
  whenIdle(deadline: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || this.inflight !== 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const fn of waiters) fn();
  }

  register(route: Route): void {
    if (this.#routes.has(route.method)) throw new Error(`method '${route.method}' is registered twice`);
    this.#routes.set(route.method, route);
  }

  /** Routes `<actor>.<method>` for each of the actor's methods, each with its declared policy class (default data). */
  registerActor(host: RouteTarget, policies: Partial<Record<string, PolicyClass>> = {}): void {
    host.methods.forEach((m, methodIndex) => {
      const method = `${host.name}.${m}`;
      const policy = policyBit(policies[m] ?? 'data');
      this.register({ kind: 'actor', method, host, methodIndex, policy, timeoutMs: this.opts.methodTimeoutsMs?.[method] });
    });
  }

  registerMain(method: string, handler: MainHandler, opts: MainOptions = {}): void {
    const maxParamsBytes = opts.params === 'none' ? -1 : (opts.params ?? MAIN_PARAMS_MAX_BYTES);
    this.register({
      kind: 'main',
      method,
      handler,
      maxParamsBytes,
      policy: policyBit(opts.policy ?? 'data'),
      timeoutMs: this.opts.methodTimeoutsMs?.[method],
    });
  }

  /** A second name for a routed method (same target, policy and per-method timeout lookup by the new name). */
  alias(name: string, target: string): void {
    const route = this.#routes.get(target);
    if (!route) throw new Error(`cannot alias '${name}': no method '${target}'`);
    this.register({ ...route, method: name, timeoutMs: this.opts.methodTimeoutsMs?.[name] ?? route.timeoutMs });
  }

  /** Hot reload: removes an actor's methods; requests already dispatched finish on the old host. */
  unregisterActor(host: RouteTarget): void {
    for (const [method, route] of this.#routes) if (route.kind === 'actor' && route.host === host) this.#routes.delete(method);
  }

  /** Hot reload: a replacement host takes over the old host's routes (aliases included). */
  replaceActor(old: RouteTarget, next: RouteTarget): void {
    for (const route of this.#routes.values()) if (route.kind === 'actor' && route.host === old) route.host = next;
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
    if ((route.policy & sink.grants) === 0) {
      this.stats.forbidden++;
      this.#failNow(p, { code: 'FORBIDDEN', message: `method '${method}' is not allowed on this connection (docs/security.md)` });
      return p;
    }
    const asked = opts?.timeoutMs;
    p.timeoutMs = asked !== undefined ? Math.min(Math.max(1, Math.ceil(asked)), this.opts.maxTimeoutMs ?? MAX_TIMEOUT_MS) : (route.timeoutMs ?? this.opts.defaultTimeoutMs);
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
    if (body.length > route.maxParamsBytes && route.maxParamsBytes >= 0) {
      this.reject(p, { code: 'INVALID_PARAMS', message: `params of ${body.length} bytes exceed the ${route.maxParamsBytes}-byte cap of '${route.method}'` });
      return;
    }
    let out: unknown;
    try {
      const params = route.maxParamsBytes < 0 ? undefined : decodeBody(p.format, body);
      out = route.handler(params, { method: route.method, deadline: p.deadline, caller: p.sink });
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
    // Checked here, where every host's results pass, before a connection holds the bytes for its client.
    const limit = this.opts.maxReplyBytes;
    if (limit !== undefined && result.byteLength > limit) {
      this.reject(p, {
        code: 'REPLY_TOO_LARGE',
        message: `the result of '${p.method}' is ${result.byteLength} bytes encoded; at most ${limit} (requests.maxReplyBytes)`,
        data: { bytes: result.byteLength, limit },
      });
      return;
    }
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
    this.#checkIdle();
    this.onSettled?.(p, outcome, performance.now() - p.startedHr);
    if (!p.sink.open) {
      this.stats.orphanReplies++;
      return false;
    }
    return true;
  }

  #expire(p: Pending): void {
    p.settled = true;
    this.#checkIdle();
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
