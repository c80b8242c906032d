// The public feature API: how a feature (Kafka with the App API, Modbus with
// the ISP listener, the ES pipelines, sys, or a user's plugin) plugs into the
// daemon. A feature owns config sections, runs actors, and at start-up gets a
// narrow context to register methods and listeners, follow events, add
// status sections and react to reloads. The core knows no feature: the
// composition root hands it the list.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { ActorRuntime, ActorSnapshot } from '../actor/runtime.ts';
import type { EnvOverrides, SectionSchemas } from '../config/compose.ts';
import type { CoreConfig } from '../config/schema.ts';
import type { PolicyClass } from '../router/policy.ts';
import type { MainHandler } from '../router/router.ts';
import type { SessionFactory } from '../session/session.ts';
import type { Listener } from '../transport/listener.ts';
import type { TypedEvents } from './events.ts';

export type { EnvOverrides, SectionSchemas };

/** The validated values of a feature's top-level sections. */
export type SectionValues<S extends SectionSchemas> = {
  readonly [K in keyof S as K extends `listeners.${string}` ? never : K]: z.output<S[K]>;
};

/** The validated values of a feature's listener sections, by listener name. */
export type ListenerSectionValues<S extends SectionSchemas> = {
  readonly [K in keyof S as K extends `listeners.${infer L}` ? L : never]: z.output<S[K]>;
};

/** The config a feature sees: the core's, plus its own sections. */
export type FeatureConfig<S extends SectionSchemas> = Omit<CoreConfig, 'listeners'> &
  SectionValues<S> & { readonly listeners: CoreConfig['listeners'] & ListenerSectionValues<S> };

/** An actor a feature runs; `actors.<name>` in the config tunes it (workers, mode, maxQueue, enabled). */
export interface FeatureActor<S extends SectionSchemas = SectionSchemas> {
  readonly name: string;
  /** URL of the module whose default export is defineActor(...). */
  readonly module: string | URL;
  /** The actor's options (default: undefined). */
  options?(config: FeatureConfig<S>, baseDir: string): unknown;
  /** Whether it runs (default: yes). */
  enabled?(config: FeatureConfig<S>): boolean;
  /** Default worker count when `actors.<name>.workers` is not set (default 1). */
  workers?(config: FeatureConfig<S>): number;
  /** Default queue bound when `actors.<name>.maxQueue` is not set. */
  readonly maxQueue?: number;
  /**
   * Whether its workers may wait for the first request instead of starting
   * with the daemon (`actors.<name>.start` overrides): true for an actor with
   * no work of its own until called (default: no). Work set up from config
   * at start-up through ctx.call starts it then.
   */
  lazy?(config: FeatureConfig<S>): boolean;
}


export interface FeatureDefinition<S extends SectionSchemas = SectionSchemas> {
  readonly name: string;
  readonly sections?: S;
  readonly env?: EnvOverrides;
  readonly actors?: readonly FeatureActor<S>[];
  /** Called at start-up after every actor is ready and before any listener binds; throw to refuse start-up. */
  setup?(ctx: FeatureContext<S>): void | Promise<void>;
}

export function defineFeature<const S extends SectionSchemas = Record<never, never>>(def: FeatureDefinition<S>): FeatureDefinition<S> {
  if (!/^[a-z][a-z0-9_-]*$/i.test(def.name)) throw new TypeError(`feature name '${def.name}' must match /^[a-z][a-z0-9_-]*$/i`);
  return def;
}

/** The URL of a module next to `metaUrl`, with its extension: for the actor modules a feature names, which workers import by URL. */
export { moduleBeside } from '../loader/modules.ts';

export function isFeatureDefinition(value: unknown): value is FeatureDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && (v.setup === undefined || typeof v.setup === 'function') && !('create' in v);
}

export interface MethodOptions {
  /** Who may call it (default 'data'). */
  policy?: PolicyClass;
  /**
   * Main-thread handlers run on the thread every listener shares, so the
   * body is decoded only when the method needs it, and only up to a bound:
   * 'none' skips decoding (the handler gets undefined); a number caps the
   * body in bytes (default 64 KiB); larger bodies are refused unread.
   */
  params?: 'none' | number;
}

/** A status section of this shape is printed as a table by `outrigger status` (`data` is for --json). */
export interface StatusTable {
  title: string;
  /** Header row first. */
  table: string[][];
  data: unknown;
}

/** What the daemon tells features. */
export interface DaemonEventMap {
  /** An actor host started (at start-up, by a reload, or a feature's own actor). */
  'actor-started': [host: ActorRuntime];
  /** An actor host stopped for good (reload replaced or removed it). */
  'actor-stopped': [host: ActorRuntime];
  /** A worker became ready; `restarted` after a crash or hang (its state is gone). */
  'worker-ready': [actor: string, slot: number, restarted: boolean];
  /** An actor published an event from a worker (ctx.publish). */
  publish: [actor: string, topic: string, data: unknown, host: ActorRuntime];
  /** A config reload was applied or refused. */
  reloaded: [result: { ok: boolean; changes: string[] }];
  stopped: [];
}

export type ReloadHook<C> = (next: C, prev: C) => Promise<void> | void;

/** The narrow view of the running daemon a feature gets. */
export interface FeatureContext<S extends SectionSchemas = SectionSchemas> {
  /** The current config (a reload replaces it; read it when you need it). */
  readonly config: FeatureConfig<S>;
  /** Directory relative paths in the config are resolved against. */
  readonly baseDir: string;
  readonly log: Logger;
  readonly events: TypedEvents<DaemonEventMap>;
  /** Prometheus registry the daemon's /metrics serves. */
  readonly metrics: Registry;
  /** Registers a method answered on the main thread. */
  method(name: string, handler: MainHandler, opts?: MethodOptions): void;
  /** Makes `name` reach the actor method `target` (e.g. `app.kafka` -> `kafka.app`), with the target's policy. */
  alias(name: string, target: string): void;
  /** Calls any routed method with every grant (deadline, routing and errors as for a client). */
  call<T = unknown>(method: string, params: unknown, timeoutMs?: number): Promise<T>;
  has(method: string): boolean;
  /** The actors running now. */
  actors(): ReadonlyMap<string, { snapshot(): ActorSnapshot }>;
  /**
   * Adds the listener configured in `listeners.<name>` (a section the feature
   * declares with the listener fields); it binds with the core's listeners,
   * shares their admission layer, and its limits follow reloads. Null when
   * the section disables it.
   */
  listen(name: string, factory: SessionFactory): Listener | null;
  /** Adds a section to the daemon's status (`outrigger status`, `sys.stats`). */
  status(name: string, fn: () => unknown): void;
  /** The whole daemon status (what `sys.stats` answers). */
  daemonStatus(): unknown;
  onReload(fn: ReloadHook<FeatureConfig<S>>): void;
  onStop(fn: () => Promise<void> | void): void;
  /** Drains and stops the daemon. */
  stop(reason: string): void;
}
