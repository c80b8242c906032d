// Listeners as the daemon builds them: every one, core or feature, gets its
// sessions' shared environment (limits, trust, the memory budget) here, so
// admission is the same on every protocol.
import type { Logger } from 'pino';
import type { OutriggerConfig } from '../config/load.ts';
import type { ListenerCommon } from '../config/schema.ts';
import { GoridgeSession } from '../protocols/goridge.ts';
import { GoridgeMethodTable } from '../protocols/goridge-methods.ts';
import { IpcSession } from '../protocols/ipc.ts';
import { toRateLimitSpec } from '../resilience/rate-limit.ts';
import type { Router } from '../router/router.ts';
import type { SessionLimits } from '../session/limits.ts';
import type { MemoryBudget } from '../session/memory-budget.ts';
import { type SessionEnv, type SessionFactory, SessionStats } from '../session/session.ts';
import { sweeper } from '../session/sweeper.ts';
import { FULL_TRUST, type Trust } from '../session/trust.ts';
import { type ConnectionCount, Listener, type ListenerSpec } from '../transport/listener.ts';

/** What building a listener needs from the daemon. */
export interface ListenerHost {
  readonly router: Router;
  readonly control: Router;
  readonly trust: Trust;
  readonly budget: MemoryBudget;
  readonly inflightBudget: MemoryBudget;
  readonly connections: ConnectionCount;
  readonly log: Logger;
  readonly config: OutriggerConfig;
}

/** A listener's config section as the session layer reads it (`maxFrameBytes`, or ISP's `maxLineBytes`). */
export type ListenerSection = ListenerCommon & { maxFrameBytes?: number; maxLineBytes?: number };

const envs = new WeakMap<Listener, SessionEnv>();

export function sessionLimits(section: ListenerSection, c: OutriggerConfig): SessionLimits {
  return {
    maxFrameBytes: section.maxFrameBytes ?? section.maxLineBytes ?? 16 * 1024 * 1024,
    maxInflightPerConnection: c.requests.maxInflightPerConnection,
    maxInflightBytesPerConnection: c.requests.maxInflightBytesPerConnection,
    overflow: c.requests.overflow,
    readTimeoutMs: section.readTimeoutMs,
    writeTimeoutMs: section.writeTimeoutMs,
    idleTimeoutMs: section.idleTimeoutMs,
    maxConsecutiveErrors: section.maxConsecutiveErrors,
  };
}

export function listenerSpec(name: string, section: ListenerSection & Pick<ListenerSpec, 'tcp' | 'unix'>): ListenerSpec {
  return {
    name,
    tcp: section.tcp,
    unix: section.unix ? { ...section.unix } : undefined,
    maxConnections: section.maxConnections,
    allow: section.allow,
    rateLimit: toRateLimitSpec(section.rateLimit),
  };
}

/** Builds a listener whose sessions share one environment; `router` is the one its requests go to. */
export function buildListener(
  host: ListenerHost,
  spec: ListenerSpec,
  limits: SessionLimits,
  factory: SessionFactory,
  opts: { router?: Router; trust?: Trust } = {},
): Listener {
  let listener: Listener | null = null;
  const env: SessionEnv = {
    router: opts.router ?? host.router,
    limits,
    trust: opts.trust ?? host.trust,
    budget: host.budget,
    inflightBudget: host.inflightBudget,
    get rateLimit() {
      return listener?.rateLimit ?? null;
    },
    stats: new SessionStats(),
    log: host.log.child({ listener: spec.name }),
  };
  listener = new Listener(spec, (conn) => factory(conn, env), host.connections, host.log);
  envs.set(listener, env);
  sweeper.add(listener.connections);
  return listener;
}

/** The shared session environment of a listener (its limits change on reload). */
export function sessionEnvOf(listener: Listener): SessionEnv | undefined {
  return envs.get(listener);
}

export function retire(listener: Listener): void {
  sweeper.remove(listener.connections);
}

/** The core binary IPC listener for a config (null when disabled). */
export function ipcListener(host: ListenerHost, c: OutriggerConfig): Listener | null {
  const { ipc } = c.listeners;
  if (!ipc.enabled || (!ipc.unix && !ipc.tcp)) return null;
  return buildListener(host, listenerSpec('ipc', ipc), sessionLimits(ipc, c), (conn, env) => new IpcSession(conn, env));
}

/**
 * The Goridge v3 RPC listener (RoadRunner's RPC wire format, PHP's
 * spiral/goridge and Go's goridge ClientCodec) on `listeners.goridge`: every
 * routed method is callable by its Goridge name (goridge-methods.ts).
 */
export function goridgeListener(host: ListenerHost, c: OutriggerConfig): Listener | null {
  const g = c.listeners.goridge;
  if (!g.enabled || (!g.tcp && !g.unix)) return null;
  const methods = new GoridgeMethodTable(
    () => host.router.methods(),
    (names) => host.log.warn({ names }, 'goridge: two methods produce these Goridge names; each reaches the method registered first'),
  );
  return buildListener(host, listenerSpec('goridge', g), sessionLimits(g, c), (conn, env) => new GoridgeSession(conn, env, methods));
}

/** The control socket (0600, unix only): the CLI's status, stop and reload. */
export function controlListener(host: ListenerHost, c: OutriggerConfig): Listener {
  const limits: SessionLimits = { ...sessionLimits(c.listeners.ipc, c), overflow: 'reject' };
  return buildListener(
    host,
    { name: 'control', unix: { path: c.listeners.control.path, mode: 0o600 }, maxConnections: 64 },
    limits,
    (conn, env) => new IpcSession(conn, env),
    { router: host.control, trust: FULL_TRUST },
  );
}
