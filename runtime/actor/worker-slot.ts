import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { BatchWriter } from './batch.ts';
import { BatchReceiver, BatchSender, DOORBELL, SpinPolicy } from './batch-channel.ts';
import { createRingBuffer, SharedRing } from './shared-ring.ts';
import type { MainToWorker, WorkerBoot, WorkerEvent, WorkerStats, WorkerToMain } from './messages.ts';
import type { Backoff } from '../resilience/backoff.ts';
import type { Pending } from '../router/pending.ts';
import { isTypeScriptModule, moduleBeside } from '../loader/modules.ts';

/** idle: a lazily started actor's slot before its first request (no thread yet). */
export type SlotState = 'idle' | 'starting' | 'ready' | 'backoff' | 'closing' | 'closed';
export type ExitReason = 'crashed' | 'hung' | 'closed';

// Compiled, a worker starts straight at worker-main.js (it registers the
// TypeScript loader itself if the actor's module needs it). Run from source,
// the entry is TypeScript, which a new thread can't load before a loader is
// registered in it: worker-boot.mjs does that first.
const ENTRY_URL = moduleBeside(import.meta.url, 'worker-main');
const START_URL = isTypeScriptModule(ENTRY_URL) ? new URL('./worker-boot.mjs', import.meta.url) : ENTRY_URL;

/** Bytes of each direction's ring per worker: a loaded turn's batch fits (larger ones go by transfer). */
const RING_BYTES = 256 * 1024;

/** Polling budgets of the hop, microseconds (0: off); workers.spin in the config. */
export interface HopSpin {
  /** The main thread, for the reply to a lone request it just sent. */
  replyMicros: number;
  /** A worker with nothing running, for the next batch after it answered one. */
  requestMicros: number;
}


export interface SlotEvents {
  /** A reply batch, from the ring, the bulk port or (behind a `pub`) the worker's port. */
  replies(slot: WorkerSlot, batch: Uint8Array): void;
  /** Every other message but the doorbell (the slot answers that itself). */
  message(slot: WorkerSlot, msg: WorkerEvent): void;
  exit(slot: WorkerSlot, code: number, reason: ExitReason): void;
}

/**
 * Threads given up on while stuck (a hung worker is abandoned, not waited
 * for): a thread blocked in a system call can't be stopped from outside, and
 * the process can't exit normally while one is alive (see daemon shutdown).
 */
export const stuckThreads = { count: 0 };

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
  /** The last batch's writer, once its bytes were copied into the ring: allocating a buffer per batch costs more than the copy. */
  #spare: BatchWriter | null = null;
  #flushScheduled = false;
  /** One function for every scheduled flush, not a closure per batch. */
  readonly #flushNow = (): void => this.#flush();
  #cancels: number[] = [];
  lastBeat = 0;
  stats: WorkerStats | null = null;
  /** Restarts since the slot was created. */
  restartCount = 0;
  pinnedKeys = 0;
  /** The last worker exited before it was ready (its create() failed or it crashed while loading). */
  failedToStart = false;
  #killReason: 'hung' | null = null;
  /** The current worker's ends of the hop (replaced with the worker). */
  #sender: BatchSender | null = null;
  #receiver: BatchReceiver | null = null;
  #bulk: MessagePort | null = null;
  readonly #replySpin: SpinPolicy;

  constructor(
    readonly index: number,
    readonly boot: Omit<WorkerBoot, 'entry' | 'workerIndex' | 'requestRing' | 'replyRing' | 'bulk'>,
    readonly events: SlotEvents,
    readonly restarts: Backoff,
    spin: HopSpin = { replyMicros: 0, requestMicros: 0 },
  ) {
    this.#replySpin = new SpinPolicy(spin.replyMicros / 1000);
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  get load(): number {
    return this.inflight.size;
  }

  spawn(): void {
    this.state = 'starting';
    this.#killReason = null;
    const requestRing = createRingBuffer(RING_BYTES);
    const replyRing = createRingBuffer(RING_BYTES);
    const { port1: bulk, port2: workerBulk } = new MessageChannel();
    const workerData: WorkerBoot = { ...this.boot, entry: ENTRY_URL.href, workerIndex: this.index, requestRing, replyRing, bulk: workerBulk };
    const w = new Worker(START_URL, { workerData, transferList: [workerBulk], name: `${this.boot.actorName}#${this.index}` });
    this.worker = w;
    this.#bulk = bulk;
    this.#sender = new BatchSender(new SharedRing(requestRing), bulk, () => w.postMessage(DOORBELL));
    const receiver = new BatchReceiver(new SharedRing(replyRing), bulk, (batch) => {
      if (this.worker === w) this.events.replies(this, batch);
    });
    this.#receiver = receiver;
    w.on('message', (msg: WorkerToMain) => {
      if (this.worker !== w) return;
      // Replies the worker wrote before this message come first.
      receiver.settle();
      if (msg instanceof ArrayBuffer) this.events.replies(this, new Uint8Array(msg));
      else if (msg !== DOORBELL) this.events.message(this, msg);
    });
    w.on('error', () => {
      /* reported through 'exit'; the error itself is logged by the host */
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      receiver.settle();
      this.#closeHop();
      this.worker = null;
      this.failedToStart = this.state === 'starting';
      const reason = this.state === 'closing' ? 'closed' : (this.#killReason ?? 'crashed');
      this.state = reason === 'closed' ? 'closed' : 'backoff';
      this.events.exit(this, code, reason);
    });
  }

  markReady(now: number): void {
    this.state = 'ready';
    this.lastBeat = now;
    this.restarts.reset();
    this.#scheduleFlush();
  }

  enqueue(p: Pending, methodIndex: number, key: string | undefined, traceparent: string | undefined, body: Uint8Array): void {
    this.inflight.set(p.handle, p);
    if (!this.#out) {
      this.#out = this.#spare ?? new BatchWriter(Math.max(1024, body.length * 2 + 64));
      this.#spare = null;
    }
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
    // A lone request goes as soon as the read that brought it is done: the
    // turn's later phases are time a caller waiting for one answer would
    // wait. Otherwise setImmediate runs after all I/O callbacks of this
    // turn, so one batch carries the requests of every readable connection.
    if (this.#lone) queueMicrotask(this.#flushNow);
    else setImmediate(this.#flushNow);
  }

  #flush(): void {
    this.#flushScheduled = false;
    const w = this.worker;
    if (!w || this.state !== 'ready') return;
    if (this.#cancels.length > 0) {
      this.#post(w, { t: 'cancel', handles: this.#cancels });
      this.#cancels = [];
    }
    const out = this.#out;
    if (out) {
      this.#out = null;
      this.#spare = this.#sender!.sendBatch(out);
      // A lone caller's reply is usually a few microseconds away: polling for
      // it is cheaper than sleeping and being woken (batch-channel.ts).
      if (this.#lone && this.#replySpin.shouldSpin()) {
        this.#replySpin.record(this.#receiver!.spin(this.#replySpin.budgetMs));
        this.#receiver!.settle();
      }
    }
  }

  /**
   * One request in flight on the slot: it is sent at once and its reply
   * polled for. With more, other callers are likely waiting for the main
   * thread too, and one batch per turn carries them all.
   */
  get #lone(): boolean {
    return this.inflight.size <= 1;
  }

  #closeHop(): void {
    this.#sender?.close();
    this.#bulk?.close();
    this.#sender = null;
    this.#receiver = null;
    this.#bulk = null;
  }

  #post(w: Worker, msg: MainToWorker): void {
    w.postMessage(msg);
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

  /**
   * Graceful stop: the worker finishes what it holds, closes the actor and
   * exits. Past the deadline it is terminated, and a thread that still does
   * not end within a second is left behind (stuckThreads).
   */
  closeBy(deadline: number): Promise<void> {
    const w = this.worker;
    if (!w) {
      this.state = 'closed';
      return Promise.resolve();
    }
    this.state = 'closing';
    this.#post(w, { t: 'close' });
    return new Promise<void>((resolve) => {
      let giveUp: NodeJS.Timeout | null = null;
      const force = setTimeout(() => {
        void w.terminate();
        giveUp = setTimeout(() => {
          stuckThreads.count++;
          w.once('exit', () => stuckThreads.count--);
          w.unref();
          resolve();
        }, 1000);
      }, Math.max(1000, deadline - Date.now()));
      w.once('exit', () => {
        clearTimeout(force);
        if (giveUp) clearTimeout(giveUp);
        resolve();
      });
    });
  }

  /** Ends a worker that will not serve (its create() failed); its 'exit' reports it. */
  kill(): void {
    void this.worker?.terminate();
  }

  /**
   * Replaces a hung worker at once. terminate() stops JavaScript, but a
   * thread blocked in a system call (open() of a FIFO, a stalled read) never
   * sees it and never exits, so the slot does not wait for 'exit': the old
   * thread is detached and counted in stuckThreads until it ends.
   */
  abandon(reason: 'hung'): void {
    const w = this.worker;
    if (!w) return;
    this.#killReason = reason;
    this.#closeHop();
    this.worker = null;
    this.state = 'backoff';
    stuckThreads.count++;
    w.once('exit', () => stuckThreads.count--);
    w.unref();
    void w.terminate();
    this.events.exit(this, 1, reason);
  }
}
