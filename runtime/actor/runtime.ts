import type { EventEmitter } from 'node:events';
import type { ActorDefinition } from './api.ts';
import type { ActorSnapshot } from './host.ts';
import type { Pending } from '../router/pending.ts';

/**
 * What the router and daemon need from an actor, whether it runs on worker
 * threads (ActorHost) or inline on the main thread (InlineHost).
 */
export interface ActorRuntime extends EventEmitter {
  readonly name: string;
  readonly def: ActorDefinition;
  readonly methods: readonly string[];
  readonly opts: { maxQueue: number };
  readonly outstanding: number;
  readonly saturated: boolean;
  readonly ready: boolean;
  readonly restartsTotal: number;
  submit(p: Pending, methodIndex: number, body: Uint8Array, traceparent: string | undefined): void;
  onDrain(fn: () => void): void;
  start(): Promise<void>;
  stop(deadline: number): Promise<void>;
  snapshot(): ActorSnapshot;
  /** Hot reload of logLevel. */
  setLogLevel(level: string): void;
}
