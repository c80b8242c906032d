// The public actor API: what a user writes to add an actor. An actor module's
// default export is the value returned by defineActor(). The main thread
// imports it only to read `name`, `methods`, `kind` and `pinKey`; `create`
// runs inside each worker thread, so heavy imports belong inside `create`.
import type { Logger } from 'pino';
import type { PolicyClass } from '../router/policy.ts';

export type ActorKind = 'pooled' | 'pinned';

/** Per-worker context handed to `create`. */
export interface ActorContext<Options = unknown> {
  readonly actor: string;
  readonly workerIndex: number;
  /** The actor's `options` block from sidecar.config.ts (already validated if the actor gave a schema). */
  readonly options: Options;
  readonly log: Logger;
  /** Push an event to the main thread (for example device data for ISP broadcast). */
  publish(topic: string, data: unknown): void;
}

/** Per-request context handed to each handler. */
export interface CallContext {
  /** Method name without the actor prefix, e.g. `echo` for `sys.echo`. */
  readonly method: string;
  /** Absolute deadline in epoch milliseconds. */
  readonly deadline: number;
  /** Aborted when the request times out or the daemon force-stops. */
  readonly signal: AbortSignal;
  /** For pinned actors: the key the request was routed by. */
  readonly key: string | undefined;
  /** W3C traceparent of the request, when the client sent one. */
  readonly traceparent: string | undefined;
}

export type Handler = (params: unknown, call: CallContext) => unknown;

export type Handlers<M extends string> = { readonly [K in M]: Handler };

export interface ActorInstance<M extends string> {
  readonly handlers: Handlers<M>;
  /** Called on graceful shutdown after in-flight requests have finished. */
  close?(): Promise<void> | void;
}

export interface ActorDefinition<M extends string = string, Options = unknown> {
  readonly name: string;
  readonly kind: ActorKind;
  readonly methods: readonly M[];
  /**
   * Who may call each method (docs/security.md): 'data' unless listed.
   * Methods that change what the daemon talks to are 'configure'; methods
   * that stop it or reveal its configuration are 'admin'.
   */
  readonly policy?: Partial<Record<M, PolicyClass>>;
  /**
   * Pinned actors only: picks the state key a request belongs to. Runs on the
   * main thread with the decoded params; every request with the same key is
   * served by the same worker.
   */
  readonly pinKey?: (method: M, params: unknown) => string;
  /**
   * Pinned actors, optional: the top-level params member whose string value is
   * the pin key for `method` (what pinKey would return). With several workers
   * the host then reads that one member from a JSON body instead of decoding
   * all of params on the main thread; pinKey still runs when the member is
   * missing or not a string (for its error), and for other body formats.
   */
  readonly pinField?: (method: M) => string;
  /** Validates the actor's options block at start-up; throw to refuse it. */
  readonly parseOptions?: (raw: unknown) => Options;
  /** Maximum handlers running at once per worker (the rest wait in the worker). */
  readonly concurrency?: number;
  readonly create: (ctx: ActorContext<Options>) => ActorInstance<M> | Promise<ActorInstance<M>>;
}

export function defineActor<const M extends string, Options = unknown>(
  def: ActorDefinition<M, Options>,
): ActorDefinition<M, Options> {
  if (!/^[a-z][a-z0-9_-]*$/i.test(def.name)) throw new TypeError(`actor name '${def.name}' must match /^[a-z][a-z0-9_-]*$/i`);
  if (def.kind === 'pinned' && !def.pinKey) throw new TypeError(`pinned actor '${def.name}' needs a pinKey`);
  if (def.methods.length === 0) throw new TypeError(`actor '${def.name}' declares no methods`);
  for (const m of Object.keys(def.policy ?? {})) {
    if (!(def.methods as readonly string[]).includes(m)) throw new TypeError(`actor '${def.name}': policy names '${m}', which is not one of its methods`);
  }
  return def;
}

export function isActorDefinition(value: unknown): value is ActorDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && Array.isArray(v.methods) && typeof v.create === 'function';
}
