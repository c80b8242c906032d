// Sends queued document operations to the cluster: bulks cut by count, bytes
// and a flush interval; up to maxWorkerCount bulks in flight, never two for
// the same document at once (BulkBatcher); each bulk retried until every
// operation is applied, refused as stale, or dead-lettered. Retries: the
// whole request on connection loss, timeouts, 429 and 5xx (forever, with
// backoff: a cluster restart only pauses the pipeline), single documents on
// 429/5xx items (5xx at most maxDocRetries times), and a 400/413 request is
// split in halves until the offending operation is alone and dead-lettered.
import type { Logger } from 'pino';
import type { PipelineLimits } from './config.ts';
import { Backoff } from '../../runtime/resilience/backoff.ts';
import type { CircuitBreaker } from '../../runtime/resilience/circuit-breaker.ts';
import { sleep } from '../../runtime/resilience/retry.ts';
import { BulkBatcher, type Batchable } from './batcher.ts';
import { classifyBulk, isRetryableRequestError } from './bulk-result.ts';
import type { BulkClient, ClusterRequestError } from './cluster.ts';
import type { DeadLetter, DeadLetterWriter } from './dead-letter.ts';

export type Outcome = 'applied' | 'stale' | 'dead';

export interface QueuedOp extends Batchable {
  readonly action: 'index' | 'update' | 'delete';
  readonly lines: string;
  tries: number;
}

/** Callbacks into the pipeline; per operation, so plain methods rather than closures on each op. */
export interface WriterEvents<T extends QueuedOp> {
  /** Called exactly once per operation, when it is finished. */
  done(op: T, outcome: Outcome): void;
  /** Builds the dead-letter record for an operation the cluster rejected. */
  letter(op: T, reason: DeadLetter['reason']): DeadLetter;
  onError(message: string): void;
  onBulk(): void;
  onRetry(): void;
}

export class BulkWriter<T extends QueuedOp> {
  readonly #batcher: BulkBatcher<T>;
  readonly #abort = new AbortController();
  #inflight = 0;
  #inflightOps = 0;
  #letters = 0;
  #flushDue = false;
  #force = false;
  #timer: NodeJS.Timeout | null = null;
  #waiters: (() => void)[] = [];
  /** Bulks currently waiting out a backoff. */
  retrying = 0;
  readonly maxBuffered: number;

  constructor(
    readonly client: BulkClient,
    readonly limits: PipelineLimits,
    readonly deadLetters: DeadLetterWriter,
    readonly events: WriterEvents<T>,
    readonly log: Logger,
    /** The cluster's breaker: while it is open no bulk is sent, and the pipeline waits instead. */
    readonly breaker: CircuitBreaker | null = null,
  ) {
    this.#batcher = new BulkBatcher<T>({ maxActions: limits.bulkActions, maxBytes: limits.bulkBytes });
    this.maxBuffered = limits.maxBufferedOps ?? limits.bulkActions * (limits.maxWorkerCount + 1);
  }

  get buffered(): number {
    return this.#batcher.size;
  }

  get inFlight(): { bulks: number; ops: number } {
    return { bulks: this.#inflight, ops: this.#inflightOps };
  }

  get full(): boolean {
    return this.#batcher.size >= this.maxBuffered;
  }

  get idle(): boolean {
    return this.#batcher.size === 0 && this.#inflight === 0 && this.#letters === 0;
  }

  enqueue(op: T): void {
    this.#batcher.add(op);
    this.#pump();
  }

  /** Resolves when the buffer has room again (or the signal aborts). */
  waitForSpace(signal: AbortSignal): Promise<void> {
    return this.#waitUntil(() => !this.full, signal);
  }

  /** From now on partial bulks go out at once (stop). */
  flushAll(): void {
    this.#force = true;
    this.#pump();
  }

  /** Resolves true once everything is written, false at the deadline. */
  async drain(deadline: number): Promise<boolean> {
    this.flushAll();
    const timeout = AbortSignal.timeout(Math.max(0, deadline - Date.now()));
    await this.#waitUntil(() => this.idle, timeout);
    return this.idle;
  }

  /** Stops retries and in-flight requests; what is unfinished stays unacknowledged (and uncommitted). */
  abort(): number {
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    return this.#batcher.drop().length + this.#inflightOps;
  }

  /** Writes a dead letter for something that never became an operation (undecodable record, handler failure). */
  deadLetter(letter: DeadLetter, done: () => void): void {
    this.#letters++;
    void this.deadLetters.write([letter], this.#abort.signal, (err) => this.events.onError(`dead-letter topic: ${err.message}`)).then((ok) => {
      this.#letters--;
      if (ok) done();
      this.#notify();
    });
  }

  #waitUntil(ready: () => boolean, signal: AbortSignal): Promise<void> {
    if (ready() || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (ready() || signal.aborted) {
          signal.removeEventListener('abort', check);
          this.#waiters = this.#waiters.filter((w) => w !== check);
          resolve();
        }
      };
      this.#waiters.push(check);
      signal.addEventListener('abort', check, { once: true });
    });
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  #pump(): void {
    if (this.#abort.signal.aborted) return;
    while (this.#inflight < this.limits.maxWorkerCount) {
      const ops = this.#batcher.take(this.#force || this.#flushDue);
      if (!ops) break;
      this.#inflight++;
      this.#inflightOps += ops.length;
      void this.#send(ops).finally(() => {
        this.#inflight--;
        this.#inflightOps -= ops.length;
        this.#batcher.release(ops);
        this.#pump();
        this.#notify(); // #pump returns early without notifying once aborted
      });
    }
    if (this.#batcher.size === 0) this.#flushDue = false;
    else if (!this.#timer && !this.#flushDue) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#flushDue = true;
        this.#pump();
      }, this.limits.flushIntervalMs);
    }
    this.#notify();
  }

  async #send(ops: T[]): Promise<void> {
    const signal = this.#abort.signal;
    const backoff = new Backoff({ initialMs: this.limits.retryBackoffMs.initial, maxMs: this.limits.retryBackoffMs.max });
    let todo = ops;
    while (todo.length > 0 && !signal.aborted) {
      let body;
      const payload = todo.map((o) => o.lines).join('');
      try {
        body = this.breaker
          ? await this.breaker.call(() => this.client.bulk(payload, signal))
          : await this.client.bulk(payload, signal);
      } catch (err) {
        if (signal.aborted) return;
        const open = (err as { code?: string; data?: { retryInMs?: number } }).code === 'CIRCUIT_OPEN';
        if (open) {
          // Wait out the open circuit (at least a beat, so half-open trials are not spun on).
          const wait = Math.max(50, (err as { data: { retryInMs: number } }).data.retryInMs);
          this.events.onRetry();
          this.retrying++;
          const slept = await sleep(wait, signal);
          this.retrying--;
          if (!slept) return;
          continue;
        }
        const e = err as ClusterRequestError;
        // Refused for its content (any non-retryable status): halve until the
        // offending operation is alone, then dead-letter it. Retrying as is
        // would be refused forever.
        if (!isRetryableRequestError(e.status)) {
          if (todo.length > 1) {
            const mid = todo.length >> 1;
            await this.#send(todo.slice(0, mid));
            await this.#send(todo.slice(mid));
          } else {
            await this.#bury([{ op: todo[0]!, reason: { code: 'ES_DOC_REJECTED', message: e.message, status: e.status } }]);
          }
          return;
        }
        this.events.onError(`bulk request: ${e.message}`);
        this.events.onRetry();
        if (!(await this.#backoff(backoff, signal))) return;
        continue;
      }
      this.events.onBulk();
      const outcomes = classifyBulk(
        todo.map((o) => o.action),
        body,
      );
      const retry: T[] = [];
      const dead: { op: T; reason: DeadLetter['reason'] }[] = [];
      let retryReason = '';
      outcomes.forEach((o, i) => {
        const op = todo[i]!;
        if (o.kind === 'applied' || o.kind === 'stale') this.events.done(op, o.kind);
        else if (o.kind === 'rejected') dead.push({ op, reason: { code: 'ES_DOC_REJECTED', message: o.reason, status: o.status, type: o.type } });
        else if (o.itemLevel5xx && ++op.tries > this.limits.maxDocRetries) {
          dead.push({ op, reason: { code: 'ES_DOC_REJECTED', message: `gave up after ${op.tries} tries: ${o.reason}`, status: o.status } });
        } else {
          retry.push(op);
          retryReason ||= `${o.status} ${o.reason}`;
        }
      });
      if (dead.length > 0 && !(await this.#bury(dead))) return;
      todo = retry;
      if (retry.length > 0) {
        this.events.onError(`${retry.length} document(s) to retry: ${retryReason}`);
        this.events.onRetry();
        if (!(await this.#backoff(backoff, signal))) return;
      }
    }
  }

  async #backoff(b: Backoff, signal: AbortSignal): Promise<boolean> {
    this.retrying++;
    try {
      return await b.wait(signal);
    } finally {
      this.retrying--;
    }
  }

  async #bury(dead: { op: T; reason: DeadLetter['reason'] }[]): Promise<boolean> {
    const ok = await this.deadLetters.write(
      dead.map((d) => this.events.letter(d.op, d.reason)),
      this.#abort.signal,
      (err) => this.events.onError(`dead-letter topic: ${err.message}`),
    );
    if (ok) for (const d of dead) this.events.done(d.op, 'dead');
    return ok;
  }
}
