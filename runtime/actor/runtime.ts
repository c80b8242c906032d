import type { EventEmitter } from 'node:events';
import type { ActorDefinition } from './api.ts';
import type { WorkerStats } from './messages.ts';
import type { RouteTarget } from '../router/router.ts';

/**
 * What the daemon needs from an actor, whether it runs on worker threads
 * (ActorHost) or inline on the main thread (InlineHost). Emits 'publish'
 * (topic, data) for what the actor publishes, 'worker-ready' (slot,
 * restarted) and 'worker-lost' (slot, reason).
 */
export interface ActorRuntime extends EventEmitter, RouteTarget {
  readonly def: ActorDefinition;
  readonly methods: readonly string[];
  readonly outstanding: number;
  readonly ready: boolean;
  readonly restartsTotal: number;
  onDrain(fn: () => void): void;
  start(): Promise<void>;
  stop(deadline: number): Promise<void>;
  snapshot(): ActorSnapshot;
  /** Hot reload of logLevel. */
  setLogLevel(level: string): void;
}

export interface ActorSnapshot {
  name: string;
  kind: string;
  methods: string[];
  outstanding: number;
  maxQueue: number;
  restarts: number;
  lateReplies: number;
  workers: {
    index: number;
    state: string;
    inflight: number;
    restarts: number;
    pinnedKeys: number;
    stats: WorkerStats | null;
  }[];
  /** Inline actors only: requests run on the main thread, and their recent run time percentiles (ms). */
  inline?: { handled: number; failed: number; runP50: number; runP99: number };
}
