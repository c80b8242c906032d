import type { Logger } from 'pino';
import type { ActorRuntime } from '../actor/runtime.ts';
import { stuckThreads } from '../actor/worker-slot.ts';
import { acquireRunLock, ensureRunDir, type RunLock } from '../config/run-dir.ts';
import type { OutriggerConfig } from '../config/load.ts';
import type { LoadedConfig } from '../feature/load.ts';
import type { DaemonEventMap, ReloadHook } from '../feature/api.ts';
import { TypedEvents } from '../feature/events.ts';
import { createLogger } from '../log.ts';
import { OutriggerError } from '../errors/error.ts';
import { Router } from '../router/router.ts';
import { MemoryBudget } from '../session/memory-budget.ts';
import type { SessionStats } from '../session/session.ts';
import type { Trust } from '../session/trust.ts';
import { ConnectionCount, type Listener } from '../transport/listener.ts';
import { redactSecrets } from '../security/redact.ts';
import { VERSION } from '../version.ts';
import { startFeatures } from './feature-context.ts';
import { controlListener, goridgeListener, ipcListener, sessionEnvOf, retire } from './listeners.ts';
import { actorsFromConfig, startActors } from './load-actors.ts';
import { startOps } from './ops.ts';
import type { DaemonHandle, DaemonStatus, DrainReport, ReloadResult } from './handle.ts';
import { applyReload } from './reload.ts';
import { reloadFromSource } from './config-reload.ts';
import { trustFromConfig } from './trust-config.ts';

/**
 * The running sidecar: owns the router, the actor hosts, the listeners and
 * the features. Control methods (status, stop, reload) live on a separate
 * router reachable only through the 0600 control socket in runDir.
 */
export class Daemon implements DaemonHandle {
  readonly events = new TypedEvents<DaemonEventMap>();
  readonly router: Router;
  readonly control: Router;
  readonly listeners: Listener[] = [];
  hosts = new Map<string, ActorRuntime>();
  readonly startedAt = Date.now();
  readonly version = VERSION;
  readonly connections: ConnectionCount;
  readonly budget: MemoryBudget;
  readonly inflightBudget: MemoryBudget;
  readonly trust: Trust;
  /** True once every listener is bound (readiness). */
  running = false;
  #stopping: Promise<DrainReport> | null = null;
  #exitHooks: (() => Promise<void> | void)[] = [];
  readonly #reloadHooks: ReloadHook<OutriggerConfig>[] = [];
  #reloading: Promise<ReloadResult> = Promise.resolve({ ok: true, reason: '', changes: [], hookErrors: [] });
  readonly reloadCounts = { applied: 0, rejected: 0, failed: 0 };
  lastReload: (ReloadResult & { at: string }) | null = null;
  readonly #statusSections = new Map<string, () => unknown>();

  private constructor(
    /** Replaced by hot reload. */
    public loaded: LoadedConfig,
    readonly log: Logger,
    /** runDir's pid file, held from before anything in runDir is touched until the end of teardown. */
    readonly lock: RunLock,
  ) {
    const c = loaded.config;
    this.router = new Router({
      defaultTimeoutMs: c.requests.timeoutMs,
      maxTimeoutMs: c.requests.maxTimeoutMs,
      methodTimeoutsMs: c.requests.methodTimeoutsMs,
      overflow: c.requests.overflow,
      maxReplyBytes: c.requests.maxReplyBytes,
    });
    this.control = new Router({ defaultTimeoutMs: c.shutdown.graceMs + 60_000, overflow: 'reject' });
    this.connections = new ConnectionCount(c.limits.maxConnections);
    this.budget = new MemoryBudget(c.limits.maxBufferedBytes);
    this.inflightBudget = new MemoryBudget(c.limits.maxInflightBytes);
    this.trust = trustFromConfig(c, loaded.baseDir);
  }

  get config(): OutriggerConfig {
    return this.loaded.config;
  }

  static async start(loaded: LoadedConfig, log?: Logger): Promise<Daemon> {
    const c = loaded.config;
    ensureRunDir(c.runDir);
    // Before anything in runDir is touched: a second instance stops here, harming nothing.
    const lock = acquireRunLock(c.runDir);
    let d: Daemon;
    try {
      d = new Daemon(loaded, log ?? createLogger(c.logLevel, { name: 'outrigger' }), lock);
    } catch (err) {
      lock.release();
      throw err;
    }
    try {
      const hosts = await startActors(actorsFromConfig(loaded), c, d.router, d.log);
      for (const h of hosts.values()) d.addHost(h);
      d.#registerCoreMethods();
      await startOps(d);
      await startFeatures(d, loaded.features);
      await d.#startListeners();
    } catch (err) {
      await d.#teardown();
      throw err;
    }
    d.running = true;
    d.log.info({ listeners: d.listeners.flatMap((l) => l.bound), actors: [...d.hosts.keys()] }, 'outrigger started');
    return d;
  }

  /** Routes an actor's methods and forwards its events (at start, on reload, or a feature's own actor). */
  addHost(host: ActorRuntime, replacing?: ActorRuntime): void {
    const sameMethods = replacing && replacing.methods.join() === host.methods.join();
    if (replacing && sameMethods) this.router.replaceActor(replacing, host);
    else {
      // New methods: its routes are made afresh (aliases to the old host's methods are dropped).
      if (replacing) this.router.unregisterActor(replacing);
      this.router.registerActor(host, host.def.policy);
    }
    this.hosts.set(host.name, host);
    host.on('publish', (topic: string, data: unknown) => this.events.emit('publish', host.name, topic, data, host));
    host.on('worker-ready', (slot: number, restarted: boolean) => this.events.emit('worker-ready', host.name, slot, restarted));
    this.events.emit('actor-started', host);
  }

  /** Registers a cleanup step run at the very end of stop (features close their resources). */
  onExit(fn: () => Promise<void> | void): void {
    this.#exitHooks.push(fn);
  }

  /**
   * Subscribes to hot reload: called with the new and the previous config
   * after the core (listeners, actors, deadlines, log level) has been
   * reconfigured. Throwing reports the failure in the reload result.
   */
  onReload(fn: ReloadHook<OutriggerConfig>): void {
    this.#reloadHooks.push(fn);
  }

  /** Adds a section to status() (and so to `outrigger status` and `sys.stats`). */
  addStatusSection(name: string, fn: () => unknown): void {
    if (this.#statusSections.has(name)) throw new Error(`status section '${name}' is added twice`);
    this.#statusSections.set(name, fn);
  }

  sessionStats(listener: Listener): SessionStats | undefined {
    return sessionEnvOf(listener)?.stats;
  }

  /** Applies a validated config; reloads run one at a time. See reload.ts. */
  reload(next: LoadedConfig, reason: string): Promise<ReloadResult> {
    this.#reloading = this.#reloading.then(async () => {
      let r: ReloadResult;
      try {
        r = await applyReload(this, next, this.#reloadHooks, reason);
      } catch (err) {
        r = { ok: false, reason, changes: [], hookErrors: [], rejected: (err as Error).message };
      }
      if (r.rejected) this.reloadCounts.rejected++;
      else if (r.ok) this.reloadCounts.applied++;
      else this.reloadCounts.failed++;
      this.lastReload = { ...r, at: new Date().toISOString() };
      if (r.rejected) this.log.error({ reason, rejected: r.rejected }, 'config reload rejected; the running config stays');
      else this.log.info({ reason, changes: r.changes, hookErrors: r.hookErrors }, 'config reloaded');
      this.events.emit('reloaded', r);
      return r;
    });
    return this.#reloading;
  }

  /** A listener that stopped accepting on reload: its open connections are closed at shutdown. */
  retireListener(l: Listener): void {
    const i = this.listeners.indexOf(l);
    if (i >= 0) this.listeners.splice(i, 1);
    this.onExit(() => {
      l.closeConnections();
      retire(l);
    });
  }

  #registerCoreMethods(): void {
    // Any connection may present the token; a wrong one counts toward closing the connection.
    this.router.registerMain(
      'session.auth',
      (params, ctx) => {
        const token = typeof params === 'string' ? params : (params as { token?: unknown } | null)?.token;
        if (typeof token !== 'string' || !ctx.caller.authenticate?.(token)) {
          throw Object.assign(new Error('the token was not accepted'), { code: 'UNAUTHENTICATED' });
        }
        return true;
      },
      { policy: 'public', params: 4096 },
    );
    this.control.registerMain('daemon.status', () => this.status(), { policy: 'admin', params: 'none' });
    // `outrigger stop --timeout MS` sends graceMs: how long in-flight work may take to drain, instead of shutdown.graceMs.
    this.control.registerMain('daemon.stop', (params) => this.stop('control request', stopGraceMs(params) ?? this.config.shutdown.graceMs), { policy: 'admin', params: 1024 });
    this.control.registerMain('daemon.reload', () => reloadFromSource(this, 'control request'), { policy: 'admin', params: 'none' });
  }

  async #startListeners(): Promise<void> {
    const c = this.config;
    const ipc = ipcListener(this, c);
    if (ipc) this.listeners.unshift(ipc);
    const goridge = goridgeListener(this, c);
    if (goridge) this.listeners.splice(ipc ? 1 : 0, 0, goridge);
    this.listeners.push(controlListener(this, c));
    for (const l of this.listeners) await l.listen();
  }

  status(): DaemonStatus {
    const s = this.router.stats;
    return {
      pid: process.pid,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      state: this.#stopping ? 'draining' : 'running',
      configFile: this.loaded.file,
      listeners: this.listeners.map((l) => ({
        name: l.name,
        bound: l.bound,
        connections: l.connections.size,
        accepted: l.accepted,
        refused: l.refusedTotal,
      })),
      actors: [...this.hosts.values()].map((h) => h.snapshot()),
      requests: {
        inflight: this.router.inflight,
        total: s.requests,
        ok: s.ok,
        errors: s.errors,
        timeouts: s.timeouts,
        lateReplies: s.lateReplies,
        orphanReplies: s.orphanReplies,
        busy: s.busy,
        forbidden: s.forbidden,
        errorsByCode: Object.fromEntries(s.errorsByCode),
      },
      memory: process.memoryUsage(),
      // Every section is scrubbed: features put connection strings, device addresses and errors in them.
      sections: Object.fromEntries([...this.#statusSections].map(([name, fn]) => [name, redactSecrets(fn())])),
    };
  }

  /**
   * Graceful stop: refuse new work, let in-flight requests finish within the
   * grace period, stop the actors (they flush and commit in close()), then
   * close the listeners. Calling it again returns the same drain.
   */
  stop(reason: string, graceMs = this.config.shutdown.graceMs): Promise<DrainReport> {
    this.#stopping ??= this.#drain(reason, graceMs);
    return this.#stopping;
  }

  async #drain(reason: string, graceMs: number): Promise<DrainReport> {
    const began = Date.now();
    const deadline = began + graceMs;
    const inflightAtStart = this.router.inflight;
    this.log.info({ reason, inflight: inflightAtStart, graceMs }, 'draining');
    this.router.startDraining();
    for (const l of this.listeners) if (l.name !== 'control') await l.stopAccepting();
    await this.router.whenIdle(deadline);
    const abandoned = this.router.inflight;
    const report: DrainReport = {
      reason,
      inflightAtStart,
      drained: Math.max(0, inflightAtStart - abandoned),
      abandoned,
      durationMs: Date.now() - began,
    };
    // Let the reply to a control 'daemon.stop' go out before tearing down.
    setTimeout(() => void this.#teardown(deadline), 20);
    return report;
  }

  #teardownDone: Promise<void> | null = null;

  #teardown(deadline = Date.now() + 5000): Promise<void> {
    this.#teardownDone ??= (async () => {
      for (const h of this.hosts.values()) await h.stop(deadline);
      for (const fn of this.#exitHooks) {
        try {
          await fn();
        } catch (err) {
          this.log.error({ err }, 'exit hook failed');
        }
      }
      for (const l of this.listeners) {
        l.closeConnections();
        await l.stopAccepting();
        retire(l);
      }
      this.lock.release();
      if (stuckThreads.count > 0) {
        this.log.error({ threads: stuckThreads.count }, 'worker threads stuck in a system call cannot be joined; the process will end with SIGKILL');
      }
      this.log.info('outrigger stopped');
      this.events.emit('stopped');
    })();
    return this.#teardownDone;
  }

  /** Resolves once stop() has finished tearing everything down. */
  readonly stopped: Promise<void> = new Promise<void>((resolve) => this.events.once('stopped', () => resolve()));
}

export type { DaemonStatus, DrainReport, ListenerStatus, ReloadResult } from './handle.ts';

/** `daemon.stop`'s optional `graceMs` (a positive whole number of ms below 2^31); undefined when not given. */
function stopGraceMs(params: unknown): number | undefined {
  const g = (params as { graceMs?: unknown } | null | undefined)?.graceMs;
  if (g === undefined) return undefined;
  if (typeof g !== 'number' || !Number.isInteger(g) || g <= 0 || g > 2 ** 31 - 1) {
    throw new OutriggerError('INVALID_PARAMS', 'graceMs must be a whole number of milliseconds from 1 to 2^31-1');
  }
  return g;
}
