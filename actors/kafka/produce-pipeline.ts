// Per-connection producer queue: batches records into produce requests
// (linger, size caps, bounded requests in flight), answers sync callers when
// the broker acknowledged their record (or, for a multi-record call, gave
// each of its records an outcome), and keeps retrying async records on
// transient failures until their delivery timeout, then reports them failed.
import type { OutgoingRecord, ProducedRecord } from './driver.ts';
import { isTransient, kafkaError } from './errors.ts';
import { OutriggerError } from '../../runtime/errors/error.ts';
import { backoffMs } from '../../runtime/resilience/retry.ts';
import { ManyWaiter, type RecordOutcome, type SyncWaiter } from './sync-waiter.ts';

export interface PipelineOptions {
  lingerMs: number;
  batchMaxBytes: number;
  batchMaxMessages: number;
  maxInFlight: number;
  deliveryTimeoutMs: number;
  maxQueuedMessages: number;
  retryBackoffMs: number;
}

export type SendBatch = (records: OutgoingRecord[]) => Promise<ProducedRecord[]>;

interface Entry {
  record: OutgoingRecord;
  size: number;
  sync: boolean;
  deadline: number;
  /**
   * Most entries this one may share a request with (itself included), and
   * only with entries of the same cap: a request refused for one record is
   * split in halves, each half capped, until the bad record goes alone.
   */
  group: number;
  attempts: number;
  lastError?: OutriggerError;
  /** Sync entries only: who gets the outcome. Async entries settle through the pipeline (no closure per record). */
  waiter: SyncWaiter | null;
  /** The record's index in its multi-record call (0 for a one-record call). */
  index: number;
}

export interface PipelineStats {
  /** Async records accepted. */
  accepted: number;
  /** Records the broker acknowledged (sync and async). */
  delivered: number;
  /** Async records that finally failed (counted and logged, never silently dropped). */
  failed: number;
  /** Sync records that failed (each record of a multi-record call counts). */
  syncErrors: number;
  /** Sends repeated after a transient failure. */
  retried: number;
  requests: number;
  queued: number;
  inFlight: number;
  failedByCode: Record<string, number>;
}

export class ProducePipeline {
  #queue: Entry[] = [];
  #head = 0;
  #queuedBytes = 0;
  #asyncQueued = 0;
  #inFlight = 0;
  #lingerTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #immediate = false;
  #soon = false;
  #closed = false;
  #closeDeadline = Infinity;
  readonly #idle = new Set<() => void>();
  readonly stats: PipelineStats = {
    accepted: 0,
    delivered: 0,
    failed: 0,
    syncErrors: 0,
    retried: 0,
    requests: 0,
    queued: 0,
    inFlight: 0,
    failedByCode: {},
  };

  constructor(
    readonly send: SendBatch,
    readonly opts: PipelineOptions,
    /** Told about every record that finally failed: an async one after its retries, a sync one as its caller is answered. */
    readonly onFailure: (record: OutgoingRecord, err: OutriggerError, sync: boolean) => void,
    readonly now: () => number = Date.now,
  ) {}

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Resolves once the broker acknowledged the record; the record leaves with the next request. */
  produceSync(record: OutgoingRecord, size: number): Promise<ProducedRecord> {
    if (this.#closed) return Promise.reject(new OutriggerError('SHUTTING_DOWN', 'the kafka producer is closing'));
    return new Promise((resolve, reject) => {
      const waiter: SyncWaiter = { delivered: (_, r) => resolve(r), failed: (_, err) => reject(err) };
      this.#push({ record, size, sync: true, deadline: Infinity, group: Infinity, attempts: 0, waiter, index: 0 });
      this.#scheduleSoon();
    });
  }

  /**
   * Queues the records of one sync call together (they share requests with
   * whatever else is queued) and resolves with each record's outcome, in
   * order, once every one is known. Records are not retried, as for a
   * one-record sync call: the caller decides what to resend.
   */
  produceSyncMany(records: OutgoingRecord[], sizes: number[]): Promise<RecordOutcome[]> {
    if (this.#closed) return Promise.reject(new OutriggerError('SHUTTING_DOWN', 'the kafka producer is closing'));
    return new Promise((resolve) => {
      const waiter = new ManyWaiter(records.length, resolve);
      for (let i = 0; i < records.length; i++) {
        this.#push({ record: records[i]!, size: sizes[i]!, sync: true, deadline: Infinity, group: Infinity, attempts: 0, waiter, index: i });
      }
      this.#scheduleSoon();
    });
  }

  /** Accepts the record for delivery; throws KAFKA_QUEUE_FULL instead of queueing without bound. */
  produceAsync(record: OutgoingRecord, size: number): void {
    this.#admitAsync(1);
    this.#pushAsync(record, size, this.now() + this.opts.deliveryTimeoutMs);
    this.#afterAsyncPush();
  }

  /** Accepts all the records or none (KAFKA_QUEUE_FULL when they do not all fit). */
  produceAsyncMany(records: OutgoingRecord[], sizes: number[]): void {
    this.#admitAsync(records.length);
    const deadline = this.now() + this.opts.deliveryTimeoutMs;
    for (let i = 0; i < records.length; i++) this.#pushAsync(records[i]!, sizes[i]!, deadline);
    this.#afterAsyncPush();
  }

  #admitAsync(n: number): void {
    if (this.#closed) throw new OutriggerError('SHUTTING_DOWN', 'the kafka producer is closing');
    if (this.#asyncQueued + n > this.opts.maxQueuedMessages) {
      const what = n === 1 ? '' : ` for ${n} more; none of them was accepted`;
      throw kafkaError('KAFKA_QUEUE_FULL', `async produce queue is full (${this.#asyncQueued} of ${this.opts.maxQueuedMessages} records waiting${what})`, {
        limit: this.opts.maxQueuedMessages,
        queued: this.#asyncQueued,
        requested: n,
      });
    }
    this.#asyncQueued += n;
    this.stats.accepted += n;
  }

  #pushAsync(record: OutgoingRecord, size: number, deadline: number): void {
    this.#push({ record, size, sync: false, deadline, group: Infinity, attempts: 0, waiter: null, index: 0 });
  }

  #afterAsyncPush(): void {
    if (this.#queuedBytes >= this.opts.batchMaxBytes || this.queued >= this.opts.batchMaxMessages) this.#drain();
    else if (this.opts.lingerMs === 0) this.#scheduleImmediate();
    else this.#lingerTimer ??= setTimeout(() => {
      this.#lingerTimer = null;
      this.#drain();
    }, this.opts.lingerMs);
  }

  /** Sends what is queued and waits for it, failing what is left at the deadline. */
  async close(deadline: number): Promise<void> {
    this.#closed = true;
    this.#closeDeadline = deadline;
    this.#drain();
    while ((this.queued > 0 || this.#inFlight > 0) && this.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, Math.min(50, deadline - this.now())));
        this.#idle.add(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.#drain();
    }
    this.#clearTimers();
    const left = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    for (const e of left) this.#fail(e, new OutriggerError('SHUTTING_DOWN', 'the kafka producer closed before the record was delivered'));
  }

  snapshot(): PipelineStats {
    return { ...this.stats, queued: this.queued, inFlight: this.#inFlight, failedByCode: { ...this.stats.failedByCode } };
  }

  #push(e: Entry): void {
    this.#queue.push(e);
    this.#queuedBytes += e.size;
  }

  /**
   * Sends at the end of the current task: a worker runs a whole batch of
   * requests in one task, so the sync records of that batch share a request
   * without waiting an event-loop turn.
   */
  #scheduleSoon(): void {
    if (this.#soon) return;
    this.#soon = true;
    queueMicrotask(() => {
      this.#soon = false;
      this.#drain();
    });
  }

  #scheduleImmediate(): void {
    if (this.#immediate) return;
    this.#immediate = true;
    setImmediate(() => {
      this.#immediate = false;
      this.#drain();
    });
  }

  #clearTimers(): void {
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#lingerTimer = null;
    this.#retryTimer = null;
  }

  /** Starts requests for everything queued, up to the in-flight bound. */
  #drain(): void {
    if (this.#lingerTimer) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = null;
    }
    while (this.#inFlight < this.opts.maxInFlight && this.queued > 0) {
      // The halves of a split request go one at a time, so that they, and
      // everything queued behind them, keep their order.
      const split = this.#queue[this.#head]!.group !== Infinity;
      if (split && this.#inFlight > 0) return;
      const batch = this.#takeBatch();
      const now = this.now();
      const live: Entry[] = [];
      for (const e of batch) {
        if (!e.sync && now >= e.deadline) this.#fail(e, this.#expired(e, e.lastError));
        else live.push(e);
      }
      if (live.length > 0) this.#start(live);
      if (split && this.#inFlight > 0) return;
    }
  }

  #takeBatch(): Entry[] {
    const q = this.#queue;
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.#head < q.length) {
      const e = q[this.#head]!;
      if (batch.length > 0 && (e.group !== batch[0]!.group || batch.length >= e.group || bytes + e.size > this.opts.batchMaxBytes || batch.length >= this.opts.batchMaxMessages)) break;
      batch.push(e);
      bytes += e.size;
      this.#head++;
    }
    this.#queuedBytes -= bytes;
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  #start(batch: Entry[]): void {
    this.#inFlight++;
    this.stats.requests++;
    for (const e of batch) e.attempts++;
    let sent: Promise<ProducedRecord[]>;
    try {
      sent = this.send(batch.map((e) => e.record));
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (results) => {
        this.#inFlight--;
        this.stats.delivered += batch.length;
        for (let i = 0; i < batch.length; i++) {
          const e = batch[i]!;
          if (e.waiter) e.waiter.delivered(e.index, results[i]!);
          else this.#asyncQueued--;
        }
        this.#afterRequest();
      },
      (err: unknown) => {
        this.#inFlight--;
        this.#onFailure(batch, err);
        this.#afterRequest();
      },
    );
  }

  #onFailure(batch: Entry[], err: unknown): void {
    const error = err instanceof OutriggerError ? err : kafkaError('KAFKA_ERROR', (err as Error)?.message ?? String(err));
    if (isTransient(error)) {
      const retry: Entry[] = [];
      const now = this.now();
      for (const e of batch) {
        e.lastError = error;
        if (e.sync) this.#fail(e, error);
        else if (now >= e.deadline || now >= this.#closeDeadline) this.#fail(e, this.#expired(e, error));
        else retry.push(e);
      }
      if (retry.length > 0) this.#requeue(retry, backoffMs(retry[0]!.attempts, { baseMs: this.opts.retryBackoffMs, maxMs: 1000 }));
      return;
    }
    if (batch.length > 1) {
      // One bad record (too large, bad partition) fails the whole request. Resending
      // halves finds it in about 2·log2(n) requests, where one request per record
      // would take n; the good halves go through whole, in their order.
      const half = Math.ceil(batch.length / 2);
      for (const e of batch) e.group = half;
      this.#requeue(batch, 0);
      return;
    }
    this.#fail(batch[0]!, error);
  }

  #requeue(entries: Entry[], delayMs: number): void {
    this.stats.retried += entries.length;
    const rest = this.#queue.slice(this.#head);
    this.#queue = [...entries, ...rest];
    this.#head = 0;
    for (const e of entries) this.#queuedBytes += e.size;
    if (delayMs === 0) {
      this.#scheduleImmediate();
      return;
    }
    if (this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#drain();
    }, delayMs);
  }

  #afterRequest(): void {
    // Whatever queued up meanwhile has already waited at least one request's time: send it now.
    if (this.queued > 0 && !this.#retryTimer) this.#drain();
    if (this.queued === 0 && this.#inFlight === 0 && this.#idle.size > 0) {
      const waiters = [...this.#idle];
      this.#idle.clear();
      for (const w of waiters) w();
    }
  }

  #fail(e: Entry, error: OutriggerError): void {
    if (e.waiter) {
      this.stats.syncErrors++;
      e.waiter.failed(e.index, error);
      this.onFailure(e.record, error, true);
      return;
    }
    this.#asyncQueued--;
    this.stats.failed++;
    this.stats.failedByCode[error.code] = (this.stats.failedByCode[error.code] ?? 0) + 1;
    this.onFailure(e.record, error, false);
  }

  #expired(e: Entry, last?: OutriggerError): OutriggerError {
    const why = last ? ` (last error ${last.code}: ${last.message})` : '';
    return new OutriggerError(
      last?.code ?? 'KAFKA_TIMEOUT',
      `record for ${e.record.topic} not delivered within ${this.opts.deliveryTimeoutMs} ms after ${e.attempts} attempt(s)${why}`,
      { topic: e.record.topic, attempts: e.attempts },
    );
  }
}
