// What the daemon's helpers (reload, config reload, ops, the feature
// context) see of the running daemon, and the shapes it reports. Daemon
// implements it; the helpers import this file, never daemon.ts.
import type { Logger } from 'pino';
import type { ActorRuntime, ActorSnapshot } from '../actor/runtime.ts';
import type { OutriggerConfig } from '../config/load.ts';
import type { LoadedConfig } from '../feature/load.ts';
import type { DaemonEventMap, ReloadHook } from '../feature/api.ts';
import type { TypedEvents } from '../feature/events.ts';
import type { DaemonView } from '../metrics/daemon-view.ts';
import type { Router } from '../router/router.ts';
import type { MemoryBudget } from '../session/memory-budget.ts';
import type { Trust } from '../session/trust.ts';
import type { ConnectionCount, Listener } from '../transport/listener.ts';

export interface ReloadResult {
  ok: boolean;
  reason: string;
  /** What changed, one line each. */
  changes: string[];
  /** Set when the config was refused; the running config stays. */
  rejected?: string;
  /** Hooks that failed after the core changes were applied. */
  hookErrors: string[];
}

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
    forbidden: number;
    errorsByCode: Record<string, number>;
  };
  memory: NodeJS.MemoryUsage;
  /** Sections features add (ops: breakers, readiness, reloads; isp; pipelines). */
  sections: Record<string, unknown>;
}

export interface DaemonHandle extends DaemonView {
  readonly events: TypedEvents<DaemonEventMap>;
  readonly control: Router;
  readonly listeners: Listener[];
  hosts: Map<string, ActorRuntime>;
  readonly connections: ConnectionCount;
  readonly budget: MemoryBudget;
  readonly inflightBudget: MemoryBudget;
  readonly trust: Trust;
  readonly log: Logger;
  loaded: LoadedConfig;
  readonly config: OutriggerConfig;
  readonly reloadCounts: { applied: number; rejected: number; failed: number };
  lastReload: (ReloadResult & { at: string }) | null;
  addHost(host: ActorRuntime, replacing?: ActorRuntime): void;
  onExit(fn: () => Promise<void> | void): void;
  onReload(fn: ReloadHook<OutriggerConfig>): void;
  addStatusSection(name: string, fn: () => unknown): void;
  reload(next: LoadedConfig, reason: string): Promise<ReloadResult>;
  retireListener(l: Listener): void;
  status(): DaemonStatus;
  stop(reason: string, graceMs?: number): Promise<DrainReport>;
}
