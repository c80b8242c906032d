import type { SerializedError } from '../errors/error.ts';
import type { BucketSnapshot } from '../stats/buckets.ts';
import type { BreakerSnapshot } from '../resilience/breakers.ts';

/** Worker statistics, sent with every heartbeat. Times in milliseconds. */
export interface WorkerStats {
  handled: number;
  failed: number;
  running: number;
  queued: number;
  /** Handlers whose request was cancelled (timeout) while still running. */
  abandoned: number;
  lateResults: number;
  /** Percentiles of the last one to two minutes (status); the buckets below are cumulative. */
  runP50: number;
  runP99: number;
  waitP50: number;
  waitP99: number;
  heapUsed: number;
  /** Identifies one worker lifetime, so the main thread can keep counters monotonic across restarts. */
  bootId: number;
  /** Cumulative since this worker started, in seconds (LATENCY_BUCKETS_S). */
  run: BucketSnapshot;
  wait: BucketSnapshot;
  /** Circuit breakers alive in this worker. */
  breakers: BreakerSnapshot[];
}

/**
 * Request and reply batches travel as bare transferred ArrayBuffers (no
 * wrapper object to serialize: measurably cheaper per message); everything
 * else is one of these small objects.
 */
export type MainToWorker = ArrayBuffer | { t: 'cancel'; handles: number[] } | { t: 'close' } | { t: 'log-level'; level: string };

export type WorkerToMain =
  | ArrayBuffer
  | { t: 'ready' }
  | { t: 'init-failed'; error: SerializedError }
  | { t: 'beat'; stats: WorkerStats }
  | { t: 'pub'; topic: string; data: unknown }
  | { t: 'closed' };

/** What the main thread passes to a new worker as workerData. */
export interface WorkerBoot {
  entry: string;
  actorModule: string;
  actorName: string;
  workerIndex: number;
  options: unknown;
  logLevel: string;
  heartbeatMs: number;
}
