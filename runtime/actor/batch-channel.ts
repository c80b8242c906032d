/*
 * One direction of the worker hop: batches (batch.ts) written into a shared
 * ring (shared-ring.ts) by one thread and read by the other.
 *
 * A postMessage costs the sender a system call and the receiver a wake-up
 * from its event loop: measured on the project's 2-vCPU VM, 5-12 us to post
 * and 20-28 us until the other thread ran, twice per lone request. Through
 * the ring a batch costs a copy and, when the reader is busy or polling,
 * nothing else; a parked reader is woken by one tiny message (DOORBELL) on
 * the thread's usual port, once per wake-up however many batches follow.
 * A reader that expects an answer soon polls the ring for a bounded time
 * first (SpinPolicy), which is what makes a lone round trip cheap.
 *
 * A batch too large for the ring, or one that finds it full, is transferred
 * over the bulk MessagePort instead and a BULK record keeps its place in
 * the order. If not even that record fits, batches wait in order on the
 * writer's side and are retried every millisecond.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { BatchWriter } from './batch.ts';
import { BULK, type SharedRing } from './shared-ring.ts';

/** The message that wakes a parked reader; it carries nothing. */
export const DOORBELL = 0;

const RETRY_MS = 1;

export class BatchSender {
  readonly #waiting: Uint8Array[] = [];
  #retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly ring: SharedRing,
    private readonly bulk: MessagePort,
    private readonly ringDoorbell: () => void,
  ) {}

  /**
   * Sends the first `length` bytes of `buf`. True when they were copied
   * into the ring and `buf` is the caller's again; false when `buf` was
   * taken (transferred, or held until the ring has room).
   */
  send(buf: ArrayBuffer, length: number): boolean {
    const bytes = new Uint8Array(buf, 0, length);
    if (this.#waiting.length === 0) {
      const copied = this.ring.write(bytes);
      if (copied || this.#putBulk(bytes)) {
        this.#wake();
        return copied;
      }
    }
    this.#waiting.push(bytes);
    this.#retry ??= setInterval(() => this.#flushWaiting(), RETRY_MS);
    return false;
  }

  /**
   * Sends a writer's batch. Returns the writer, emptied, when its bytes were
   * copied into the ring, for the next batch (a new buffer per batch costs
   * more than the copy; one larger than the ring is not kept); else null.
   */
  sendBatch(writer: BatchWriter): BatchWriter | null {
    const length = writer.byteLength;
    if (!this.send(writer.finish(), length) || writer.capacity > this.ring.capacity) return null;
    writer.reset();
    return writer;
  }

  /** Stops retrying (the reader is gone). */
  close(): void {
    if (this.#retry) clearInterval(this.#retry);
    this.#retry = null;
    this.#waiting.length = 0;
  }

  #put(bytes: Uint8Array): boolean {
    return this.ring.write(bytes) || this.#putBulk(bytes);
  }

  #putBulk(bytes: Uint8Array): boolean {
    // Transferred whole, unused tail included: moving a buffer costs the same at any size, slicing would copy.
    const buf = bytes.buffer as ArrayBuffer;
    return this.ring.writeBulkMarker(() => this.bulk.postMessage(buf, [buf]));
  }

  #flushWaiting(): void {
    let sent = 0;
    while (sent < this.#waiting.length && this.#put(this.#waiting[sent]!)) sent++;
    this.#waiting.splice(0, sent);
    if (sent > 0) this.#wake();
    if (this.#waiting.length === 0 && this.#retry) {
      clearInterval(this.#retry);
      this.#retry = null;
    }
  }

  #wake(): void {
    if (this.ring.claimWake()) this.ringDoorbell();
  }
}

export class BatchReceiver {
  constructor(
    private readonly ring: SharedRing,
    private readonly bulk: MessagePort,
    private readonly each: (batch: Uint8Array) => void,
  ) {}

  /**
   * Reads every batch there is, then parks (re-reading whatever arrives
   * meanwhile). With `max`, stops after that many batches: false then, the
   * reader stays awake (no doorbell comes) and must call again soon.
   */
  settle(max = Infinity): boolean {
    let read = 0;
    for (;;) {
      while (read < max && this.#readOne()) read++;
      if (read >= max && this.ring.hasData) return false;
      if (this.ring.park()) return true;
    }
  }

  /**
   * Polls the ring for up to `budgetMs` (the thread does nothing else
   * meanwhile). True when a batch arrived within the budget. It reads
   * nothing: the caller settles next, whatever the answer (which also parks
   * the reader again).
   */
  spin(budgetMs: number): boolean {
    this.ring.wake();
    const end = performance.now() + budgetMs;
    for (let i = 1; ; i++) {
      if (this.ring.hasData) return true;
      // A clock read costs more than a look at the ring: one every 32 looks.
      if ((i & 31) === 0 && performance.now() >= end) return false;
    }
  }

  #readOne(): boolean {
    const record = this.ring.read();
    if (record === null) return false;
    if (record === BULK) {
      // Posted before its marker was published, so it is already queued.
      const m = receiveMessageOnPort(this.bulk);
      if (m) this.each(new Uint8Array(m.message as ArrayBuffer));
    } else {
      this.each(record);
    }
    return true;
  }
}

/**
 * Whether a thread should poll for an answer it expects soon: as long as
 * polling pays (the answer came within the budget), and once in a while
 * after it stopped paying, to notice the load changed. A poll that found
 * nothing costs `penalty` credits, one that did earns one.
 */
export class SpinPolicy {
  #credit = 1;
  #skipped = 0;

  constructor(
    readonly budgetMs: number,
    private readonly maxCredit = 16,
    private readonly penalty = 4,
    private readonly retryEvery = 64,
  ) {}

  shouldSpin(): boolean {
    if (this.budgetMs <= 0) return false;
    if (this.#credit > 0) return true;
    if (++this.#skipped < this.retryEvery) return false;
    this.#skipped = 0;
    return true;
  }

  record(paid: boolean): void {
    this.#credit = paid ? Math.min(this.#credit + 1, this.maxCredit) : Math.max(this.#credit - this.penalty, 0);
  }
}
