import { Worker } from 'node:worker_threads';
import { BatchWriter } from './batch.ts';
import type { MainToWorker, WorkerBoot, WorkerStats, WorkerToMain } from './messages.ts';
import type { Pending } from '../router/pending.ts';

export type SlotState = 'starting' | 'ready' | 'backoff' | 'closing' | 'closed';

const BOOT_URL = new URL('./worker-boot.mjs', import.meta.url);
const ENTRY_URL = new URL('./worker-main.ts', import.meta.url).href;

export interface SlotEvents {
  message(slot: WorkerSlot, msg: WorkerToMain): void;
  exit(slot: WorkerSlot, code: number, reason: 'crashed' | 'hung' | 'closed'): void;
}

/**
 * One worker thread of an actor and the requests it holds. The Worker object
 * is replaced on restart; the slot (and so pinned-key assignment) stays.
 */
export class WorkerSlot {
  worker: Worker | null = null;
  state: SlotState = 'starting';
  readonly inflight = new Map<number, Pending>();
  /** Requests waiting for this turn's batch (or for the worker to become ready). */
  #out: BatchWriter | null = null;
  #flushScheduled = false;
  #cancels: number[] = [];
  lastBeat = 0;
  stats: WorkerStats | null = null;
  restarts = 0;
  consecutiveFailures = 0;
  readySince = 0;
  pinnedKeys = 0;
  #killReason: 'hung' | null = null;

  constructor(
    readonly index: number,
    readonly boot: Omit<WorkerBoot, 'entry' | 'workerIndex'>,
    readonly events: SlotEvents,
  ) {}

  spawn(): void {
    this.state = 'starting';
    this.#killReason = null;
    const workerData: WorkerBoot = { ...this.boot, entry: ENTRY_URL, workerIndex: this.index };
    const w = new Worker(BOOT_URL, { workerData, name: `${this.boot.actorName}#${this.index}` });
    this.worker = w;
    w.on('message', (msg: WorkerToMain) => this.events.message(this, msg));
    w.on('error', () => {
      /* reported through 'exit'; the error itself is logged by the host */
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      const reason = this.state === 'closing' ? 'closed' : (this.#killReason ?? 'crashed');
      this.state = reason === 'closed' ? 'closed' : 'backoff';
      this.events.exit(this, code, reason);
    });
  }

  markReady(now: number): void {
    this.state = 'ready';
    this.lastBeat = now;
    this.readySince = now;
    this.#scheduleFlush();
  }

  enqueue(p: Pending, methodIndex: number, key: string | undefined, traceparent: string | undefined, body: Uint8Array): void {
    this.inflight.set(p.handle, p);
    this.#out ??= new BatchWriter(Math.max(1024, body.length * 2 + 64));
    this.#out.addRequest(p.handle, methodIndex, p.format, p.deadline, key, traceparent, body);
    this.#scheduleFlush();
  }

  cancel(handle: number): void {
    this.#cancels.push(handle);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.state !== 'ready') return;
    if (!this.#out && this.#cancels.length === 0) return;
    this.#flushScheduled = true;
    // setImmediate runs after all I/O callbacks of this turn, so one batch
    // carries the requests of every connection that was readable.
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const w = this.worker;
    if (!w || this.state !== 'ready') return;
    if (this.#cancels.length > 0) {
      this.#post(w, { t: 'cancel', handles: this.#cancels });
      this.#cancels = [];
    }
    if (this.#out) {
      const buf = this.#out.finish();
      this.#out = null;
      this.#post(w, buf, [buf]);
    }
  }

  #post(w: Worker, msg: MainToWorker, transfer?: ArrayBuffer[]): void {
    w.postMessage(msg, transfer);
  }

  /** Drops requests that were batched but never sent (the worker died first). */
  discardUnsent(): void {
    this.#out = null;
    this.#cancels = [];
  }

  setLogLevel(level: string): void {
    this.boot.logLevel = level;
    if (this.worker) this.#post(this.worker, { t: 'log-level', level });
  }

  close(): void {
    if (!this.worker) return;
    this.state = 'closing';
    this.#post(this.worker, { t: 'close' });
  }

  kill(reason: 'hung' | null): void {
    if (!this.worker) return;
    this.#killReason = reason;
    void this.worker.terminate();
  }
}
