/*
 * Hot reload: applies a new, already validated config to a running daemon
 * without dropping in-flight work.
 *
 * Prepare (may fail; nothing visible changes and the running config stays):
 *   restart-only fields must be unchanged; new and changed actors are
 *   imported, validated and started beside the old ones; moved listeners
 *   (IPC, Goridge: reload-listeners.ts) bind.
 * Commit (cannot fail):
 *   routes swap to the new actor hosts (old hosts drain their in-flight
 *   requests, then stop); in-place listener limits, deadlines, overflow mode
 *   and log level change; the feature modules' onReload hooks run.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ActorRuntime } from '../actor/runtime.ts';
import type { OutriggerConfig } from '../config/load.ts';
import type { LoadedConfig } from '../feature/load.ts';
import type { OutriggerError } from '../errors/error.ts';
import type { ReloadHook } from '../feature/api.ts';
import type { DaemonHandle as Daemon, ReloadResult } from './handle.ts';
import { type ListenerSection, sessionEnvOf, sessionLimits } from './listeners.ts';
import { type ListenerMove, commitListenerMoves, prepareListenerMoves } from './reload-listeners.ts';
import { type ActorToStart, actorsFromConfig, startActors } from './load-actors.ts';
import { toRateLimitSpec } from '../resilience/rate-limit.ts';


function sameActor(a: ActorToStart, b: ActorToStart): boolean {
  return a.moduleUrl === b.moduleUrl && a.mode === b.mode && a.lazy === b.lazy && a.workers === b.workers && a.maxQueue === b.maxQueue && isDeepStrictEqual(a.options, b.options);
}

function restartOnly(prev: LoadedConfig, next: LoadedConfig): string | null {
  const p = prev.config;
  const n = next.config;
  if (p.runDir !== n.runDir) return `runDir changes need a restart (${p.runDir} -> ${n.runDir})`;
  if (p.listeners.control.path !== n.listeners.control.path) return 'listeners.control.path changes need a restart';
  if (!isDeepStrictEqual(p.metrics, n.metrics)) return 'metrics endpoint changes need a restart';
  if (!isDeepStrictEqual(p.security, n.security)) return 'security changes need a restart';
  if (!isDeepStrictEqual(p.plugins, n.plugins)) return 'plugins changes need a restart';
  return null;
}

/** Limits every listener takes from its config section without a rebind (connections opened from now on get new rate buckets). */
function reloadListenerLimits(d: Daemon, next: OutriggerConfig, changes: string[]): void {
  for (const l of d.listeners) {
    const section = (next.listeners as unknown as Record<string, ListenerSection | undefined>)[l.name];
    const env = sessionEnvOf(l);
    if (!section || !env || l.name === 'control') continue;
    const spec = l.spec;
    const rateLimit = toRateLimitSpec(section.rateLimit);
    if (spec.maxConnections !== section.maxConnections || !isDeepStrictEqual(spec.allow ?? [], section.allow) || !isDeepStrictEqual(spec.rateLimit, rateLimit)) {
      l.update({ maxConnections: section.maxConnections, allow: section.allow, rateLimit });
      changes.push(`listener '${l.name}' limits updated (connection limit, allow-list, rate limit)`);
    }
    const limits = sessionLimits(section, next);
    if (!isDeepStrictEqual(env.limits, limits)) {
      env.limits = limits;
      changes.push(`listener '${l.name}' session limits updated (frame cap, timeouts, in-flight, error budget)`);
    }
    const unix = (section as { unix?: { mode: number } }).unix;
    if (unix && spec.unix && unix.mode !== spec.unix.mode) {
      l.chmod(unix.mode);
      changes.push(`listener '${l.name}' socket mode ${unix.mode.toString(8)}`);
    }
  }
  const l = next.limits;
  if (d.connections.max !== l.maxConnections) changes.push(`limits.maxConnections ${l.maxConnections}`);
  if (d.budget.limit !== l.maxBufferedBytes) changes.push(`limits.maxBufferedBytes ${l.maxBufferedBytes}`);
  if (d.inflightBudget.limit !== l.maxInflightBytes) changes.push(`limits.maxInflightBytes ${l.maxInflightBytes}`);
  d.connections.max = l.maxConnections;
  d.budget.resize(l.maxBufferedBytes);
  d.inflightBudget.resize(l.maxInflightBytes);
}

export async function applyReload(d: Daemon, next: LoadedConfig, hooks: ReloadHook<OutriggerConfig>[], reason: string): Promise<ReloadResult> {
  const prev = d.loaded;
  const result: ReloadResult = { ok: false, reason, changes: [], hookErrors: [] };
  const refuse = (why: string): ReloadResult => {
    result.rejected = why;
    return result;
  };
  if (d.router.draining) return refuse('the daemon is draining');
  const restart = restartOnly(prev, next);
  if (restart) return refuse(restart);

  // ---- prepare: actors
  const before = new Map(actorsFromConfig(prev).map((a) => [a.name, a]));
  const after = new Map(actorsFromConfig(next).map((a) => [a.name, a]));
  const toStart = [...after.values()].filter((a) => !before.has(a.name) || !sameActor(before.get(a.name)!, a));
  const removed = [...before.keys()].filter((n) => !after.has(n));
  let started = new Map<string, ActorRuntime>();
  try {
    started = await startActors(toStart, next.config, d.router, d.log);
  } catch (err) {
    return refuse((err as Error).message);
  }

  // ---- prepare: the core listeners' addresses (plugins move their own listeners in their hooks)
  let moves: ListenerMove[] = [];
  try {
    moves = await prepareListenerMoves(d, prev.config, next.config);
  } catch (err) {
    for (const h of started.values()) await h.stop(Date.now());
    return refuse((err as Error).message);
  }

  // ---- commit
  const drainUntil = Date.now() + next.config.shutdown.graceMs;
  const retiring: ActorRuntime[] = [];
  for (const [name, host] of started) {
    const old = d.hosts.get(name);
    if (old) {
      retiring.push(old);
      result.changes.push(`actor '${name}' restarted with its new settings (in-flight requests finish on the old workers)`);
    } else result.changes.push(`actor '${name}' added`);
    d.addHost(host, old);
  }
  for (const name of removed) {
    const old = d.hosts.get(name);
    if (!old) continue;
    d.router.unregisterActor(old);
    d.hosts.delete(name);
    retiring.push(old);
    result.changes.push(`actor '${name}' removed (in-flight requests finish first)`);
  }
  for (const old of retiring) {
    void old
      .stop(drainUntil)
      .catch((err: unknown) => d.log.error({ err, actor: old.name }, 'reload: old actor did not stop cleanly'))
      // After its last report (actors flush metrics on close), so nothing it counted is lost or counted twice.
      .finally(() => d.events.emit('actor-stopped', old));
  }

  commitListenerMoves(d, moves, result.changes);
  reloadListenerLimits(d, next.config, result.changes);

  const pr = prev.config.requests;
  const nr = next.config.requests;
  if (pr.timeoutMs !== nr.timeoutMs || pr.maxTimeoutMs !== nr.maxTimeoutMs || !isDeepStrictEqual(pr.methodTimeoutsMs, nr.methodTimeoutsMs)) {
    d.router.opts.maxTimeoutMs = nr.maxTimeoutMs;
    d.router.setTimeouts(nr.timeoutMs, nr.methodTimeoutsMs);
    result.changes.push('request deadlines updated (for requests dispatched from now on)');
  }
  if (pr.maxReplyBytes !== nr.maxReplyBytes) {
    d.router.opts.maxReplyBytes = nr.maxReplyBytes;
    result.changes.push(`requests.maxReplyBytes ${nr.maxReplyBytes} (for replies from now on)`);
  }
  if (pr.overflow !== nr.overflow) {
    d.router.opts.overflow = nr.overflow;
    result.changes.push(`overflow mode ${nr.overflow}`);
  }
  if (prev.config.logLevel !== next.config.logLevel) {
    d.log.level = next.config.logLevel;
    for (const h of d.hosts.values()) if (!started.has(h.name)) h.setLogLevel(next.config.logLevel);
    result.changes.push(`log level ${next.config.logLevel}`);
  }

  d.loaded = next;
  for (const hook of hooks) {
    try {
      await hook(next.config, prev.config);
    } catch (err) {
      const e = err as OutriggerError;
      result.hookErrors.push(e.code ? `${e.code}: ${e.message}` : e.message);
    }
  }
  result.ok = result.hookErrors.length === 0;
  return result;
}
