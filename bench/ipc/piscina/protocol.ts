// What crosses between PiscinaHost and its piscina workers besides the tasks.
// Piscina owns each worker's parentPort in the main -> worker direction (it
// reads every message there as its start-up message), so each worker opens a
// MessageChannel of its own and hands one end to the host in `hello`: that
// port carries cancellations, log level and close. Worker -> main messages go
// through parentPort, which piscina re-emits as the pool's 'message' event.
import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '../../../runtime/errors/error.ts';

/** Passed to every worker as piscina's workerData (one object for the whole pool). */
export interface PiscinaBoot {
  actorModule: string;
  actorName: string;
  options: unknown;
  logLevel: string;
  heartbeatMs: number;
  /** One Int32 per slot, 1 while a live worker holds it: a worker claims a slot at boot so workerIndex and key affinity survive restarts. */
  slotFlags: SharedArrayBuffer;
}

/** One request as its own piscina task (per-request mode). */
export interface RequestTask {
  handle: number;
  methodIndex: number;
  format: number;
  deadline: number;
  key: string | undefined;
  traceparent: string | undefined;
  /** An exact-size copy of the body, transferred. */
  body: Uint8Array;
}

/** A per-request task's answer: the result bytes, an error, or null when the request was cancelled. */
export type RequestResult = Uint8Array | { error: SerializedError } | null;

export type WorkerEvent =
  | { t: 'hello'; tid: number; slot: number; port: MessagePort }
  | { t: 'init-failed'; tid: number; slot: number; error: SerializedError }
  | { t: 'beat'; tid: number; running: number; queued: number }
  | { t: 'pub'; topic: string; data: unknown }
  | { t: 'closed'; tid: number };

export type ControlMessage = { t: 'cancel'; handles: number[] } | { t: 'log-level'; level: string } | { t: 'close' };
