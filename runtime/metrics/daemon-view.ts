import type { Logger } from 'pino';
import type { ActorRuntime } from '../actor/runtime.ts';
import type { CoreConfig } from '../config/schema.ts';
import type { Router } from '../router/router.ts';
import type { MemoryBudget } from '../session/memory-budget.ts';
import type { SessionStats } from '../session/session.ts';
import type { Listener } from '../transport/listener.ts';

/** What the metrics and probes read of a running daemon (the daemon itself is above this layer). */
export interface DaemonView {
  readonly router: Router;
  readonly hosts: ReadonlyMap<string, ActorRuntime>;
  readonly listeners: readonly Listener[];
  readonly log: Logger;
  readonly version: string;
  readonly startedAt: number;
  readonly reloadCounts: Readonly<Record<string, number>>;
  /** True once every listener is bound. */
  readonly running: boolean;
  readonly config: CoreConfig;
  readonly budget: MemoryBudget;
  readonly inflightBudget: MemoryBudget;
  /** Session counters of a listener (closed connections by reason, malformed input). */
  sessionStats(listener: Listener): SessionStats | undefined;
}
