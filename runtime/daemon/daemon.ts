import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ActorSnapshot } from '../actor/runtime.ts';
import type { ActorRuntime } from '../actor/runtime.ts';
import type { OutriggerConfig } from '../config/schema.ts';
import type { LoadedConfig } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { IpcSession } from '../protocols/ipc.ts';
import { Router } from '../router/router.ts';
import { Listener } from '../transport/listener.ts';
import { actorsFromConfig, startActors } from './load-actors.ts';
import { applyReload, type ReloadHook, type ReloadResult } from './reload.ts';
import { reloadFromSource } from './config-reload.ts';
import { toRateLimitSpec } from '../resilience/rate-limit.ts';
import { VERSION } from '../version.ts';

export interface DrainReport {
  reason: string;
  /** Requests in flight when draining began. */
  inflightAtStart: number;
  /** Of those, how many finished (answered) before the deadline. */
  drained: number;
  /** Requests still unanswered at the deadline (answered SHUTTING_DOWN as workers stopped). */
  abandoned: number;
  durationMs: number;
}

export interface ListenerStatus {
  name: string;
  bound: string[];
  connections: number;
  accepted: number;
  refused: number;
}

export interface DaemonStatus {
  pid: number;
  startedAt: string;
  uptimeSec: number;
  state: 'running' | 'draining';
  configFile: string | null;
  listeners: ListenerStatus[];
  actors: ActorSnapshot[];
  requests: {
    inflight: number;
    total: number;
    ok: number;
    errors: number;
    timeouts: number;
    lateReplies: number;
    orphanReplies: number;
    busy: number;
    errorsByCode: Record<string, number>;
  };
  memory: NodeJS.MemoryUsage;
  /** Sections feature modules add with daemon.addStatusSection (ops: breakers, readiness, reloads). */
  sections: Record<string, unknown>;
}

/** A listener a feature module adds (Goridge, ISP, metrics) with access to the daemon. */
export type ListenerPlugin = (daemon: Daemon) => Promise<Listener[] | void> | Listener[] | void;

/**
 * The running sidecar: owns the router, the actor hosts and every listener.
 * Control methods (status, stop) live on a separate router reachable only
 * through the control socket in runDir.
 */
export class Daemon {
  readonly events = new EventEmitter();
  readonly router: Router;
  readonly control: Router;
  readonly listeners: Listener[] = [];
  hosts = new Map<string, ActorRuntime>();
  readonly startedAt = Date.now();
  readonly version = VERSION;
  /** True once every listener is bound (readiness). */
  running = false;
  #stopping: Promise<DrainReport> | null = null;
  #exitHooks: (() => Promise<void> | void)[] = [];
  readonly #reloadHooks: ReloadHook[] = [];
  #reloading: Promise<ReloadResult> = Promise.resolve({ ok: true, reason: '', changes: [], hookErrors: [] });
  readonly reloadCounts = { applied: 0, rejected: 0, failed: 0 };
  lastReload: (ReloadResult & { at: string }) | null = null;
  readonly #statusSections = new Map<string, () => unknown>();

  private constructor(
    /** Replaced by hot reload. */
    public loaded: LoadedConfig,
    readonly log: Logger,
  ) {
    const c = loaded.config;
    this.router = new Router({
      defaultTimeoutMs: c.requests.timeoutMs,
      methodTimeoutsMs: c.requests.methodTimeoutsMs,
      overflow: c.requests.overflow,
    });
    this.control = new Router({ defaultTimeoutMs: c.shutdown.graceMs + 60_000, overflow: 'reject' });
  }

  get config(): OutriggerConfig {
    return this.loaded.config;
  }

  get pidFile(): string {
    return join(this.config.runDir, 'outrigger.pid');
  }

  static async start(loaded: LoadedConfig, plugins: ListenerPlugin[] = [], log?: Logger): Promise<Daemon> {
    const c = loaded.config;
    mkdirSync(c.runDir, { recursive: true, mode: 0o750 });
    const d = new Daemon(loaded, log ?? createLogger(c.logLevel, { name: 'outrigger' }));
    try {
      d.hosts = await startActors(actorsFromConfig(c, loaded.baseDir), c, d.router, d.log);
      for (const h of d.hosts.values()) d.forwardEvents(h);
      d.#registerMainMethods();
      await d.#startListeners(plugins);
    } catch (err) {
      await d.#teardown();
      throw err;
    }
    writeFileSync(d.pidFile, `${process.pid}\n`);
    d.running = true;
    d.log.info({ listeners: d.listeners.flatMap((l) => l.bound), actors: [...d.hosts.keys()] }, 'outrigger started');
    return d;
  }

  /**
   * Re-emits what an actor publishes on daemon.events as (data, actorName,
   * host): the host object tells two generations of one actor apart (reload).
   */
  forwardEvents(host: ActorRuntime): void {
    host.on('publish', (topic: string, data: unknown) => this.events.emit(topic, data, host.name, host));
  }

  /** Registers a cleanup step run at the very end of stop (plugins close their resources). */
  onExit(fn: () => Promise<void> | void): void {
    this.#exitHooks.push(fn);
  }

  /**
   * Subscribes a feature module to hot reload: called with the new and the
   * previous config after the core (listeners, actors, deadlines, log level)
   * has been reconfigured. Throwing reports the failure in the reload result.
   */
  onReload(fn: ReloadHook): void {
    this.#reloadHooks.push(fn);
  }

  /** Adds a section to status() (and so to `outrigger status`). */
  addStatusSection(name: string, fn: () => unknown): void {
    this.#statusSections.set(name, fn);
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
    this.onExit(() => l.closeConnections());
  }

  #registerMainMethods(): void {
    this.router.registerMain('sys.stats', () => this.status());
    this.control.registerMain('daemon.status', () => this.status());
    this.control.registerMain('daemon.stop', () => this.stop('control request'));
    this.control.registerMain('daemon.reload', () => reloadFromSource(this, 'control request'));
  }

  #ipcLimits(c: OutriggerConfig): { maxFrameBytes: number; maxInflightPerConnection: number; overflow: 'pause' | 'reject' } {
    return {
      maxFrameBytes: c.listeners.ipc.maxFrameBytes,
      maxInflightPerConnection: c.requests.maxInflightPerConnection,
      overflow: c.requests.overflow,
    };
  }

  /** The core IPC listener for a config (null when disabled); sessions read the limits current when they connect. */
  buildIpcListener(c: OutriggerConfig): Listener | null {
    const { ipc } = c.listeners;
    if (!ipc.enabled || (!ipc.unix && !ipc.tcp)) return null;
    const listener: Listener = new Listener(
      {
        name: 'ipc',
        tcp: ipc.tcp,
        unix: ipc.unix ? { ...ipc.unix } : undefined,
        maxConnections: ipc.maxConnections,
        allow: ipc.allow,
        rateLimit: toRateLimitSpec(ipc.rateLimit),
      },
      (conn) => new IpcSession(conn, this.router, { ...this.#ipcLimits(this.config), rateLimit: listener.rateLimit }),
      this.log,
    );
    return listener;
  }

  async #startListeners(plugins: ListenerPlugin[]): Promise<void> {
    const c = this.config;
    const { control } = c.listeners;
    const ipc = this.buildIpcListener(c);
    if (ipc) this.listeners.push(ipc);
    this.listeners.push(
      new Listener(
        { name: 'control', unix: { path: control.path, mode: 0o600 }, maxConnections: 64 },
        (conn) => new IpcSession(conn, this.control, { ...this.#ipcLimits(this.config), overflow: 'reject' }),
        this.log,
      ),
    );
    for (const plugin of plugins) {
      const added = await plugin(this);
      if (added) this.listeners.push(...added);
    }
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
        refused: l.refused,
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
        errorsByCode: Object.fromEntries(s.errorsByCode),
      },
      memory: process.memoryUsage(),
      sections: Object.fromEntries([...this.#statusSections].map(([name, fn]) => [name, fn()])),
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
    while (this.router.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
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
      }
      rmSync(this.pidFile, { force: true });
      this.log.info('outrigger stopped');
      this.events.emit('stopped');
    })();
    return this.#teardownDone;
  }

  /** Resolves once stop() has finished tearing everything down. */
  readonly stopped: Promise<void> = new Promise<void>((resolve) => this.events.once('stopped', () => resolve()));
}
