import type { MessagePort } from 'node:worker_threads';
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
 * Request and reply batches travel through shared rings (batch-channel.ts);
 * `0` on the port is the doorbell that wakes a parked reader of a ring. A
 * reply batch sent after a `pub` travels on the port as a bare transferred
 * ArrayBuffer, behind it. Everything else is one of these small objects.
 */
export type MainToWorker = 0 | { t: 'cancel'; handles: number[] } | { t: 'close' } | { t: 'log-level'; level: string };

export type WorkerToMain =
  | 0
  | ArrayBuffer
  | { t: 'ready' }
  | { t: 'init-failed'; error: SerializedError }
  | { t: 'beat'; stats: WorkerStats }
  | { t: 'pub'; topic: string; data: unknown }
  | { t: 'closed' };

/** A worker's messages other than the doorbell and reply batches: what the host handles itself. */
export type WorkerEvent = Exclude<WorkerToMain, 0 | ArrayBuffer>;

/** What the main thread passes to a new worker as workerData. */
export interface WorkerBoot {
  entry: string;
  actorModule: string;
  actorName: string;
  workerIndex: number;
  options: unknown;
  logLevel: string;
  heartbeatMs: number;
  /** Polling budget of the worker for its next request batch, microseconds (0: off). */
  requestSpinMicros: number;
  /** Request batches from the main thread, and the worker's reply batches. */
  requestRing: SharedArrayBuffer;
  replyRing: SharedArrayBuffer;
  /** Batches too large for a ring, both directions (a BULK record marks each one's place). */
  bulk: MessagePort;
}
