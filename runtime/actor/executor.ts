// The execution path of an actor's handlers, shared by worker threads
// (worker-main.ts) and inline hosts: decode, bounded concurrency with a FIFO
// wait queue, cancellation, encode, and sampled timing statistics.
import { performance } from 'node:perf_hooks';
import type { ActorDefinition, CallContext, Handler } from './api.ts';
import type { WorkerStats } from './messages.ts';
import { RingQueue } from './ring-queue.ts';
import { decodeBody, encodeResult } from '../codec/body/body-codec.ts';
import type { BodyFormat } from '../codec/body/formats.ts';
import { OutriggerError, pinKeyError, serializeError } from '../errors/error.ts';
import { BucketCounts } from '../stats/buckets.ts';
import { RecentPercentiles } from '../stats/recent-percentiles.ts';

/** A request's call context; the AbortController is made only if a handler asks for the signal. */
export class Call implements CallContext {
  #controller: AbortController | null = null;
  cancelled = false;
  constructor(
    readonly method: string,
    readonly deadline: number,
    /** Set by the main thread, or here from the params when the actor has a single worker. */
    public key: string | undefined,
    readonly traceparent: string | undefined,
  ) {}
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.cancelled) this.#controller.abort();
    return this.#controller.signal;
  }
  cancel(): void {
    this.cancelled = true;
    this.#controller?.abort();
  }
}

interface Queued {
  handle: number;
  methodIndex: number;
  format: BodyFormat;
  call: Call;
  body: Uint8Array;
  arrived: number;
}

/** Where an executor sends each outcome: the result in the request's format, or a JSON SerializedError. */
export type ReplyFn = (handle: number, isError: boolean, bytes: Uint8Array) => void;

// Timing every request costs more than the echo it measures; one in eight
// gives the same percentiles. Buckets weight each sample by eight.
const SAMPLE_MASK = 7;
const SAMPLE_WEIGHT = SAMPLE_MASK + 1;

export class ActorExecutor {
  readonly #handlers: Handler[];
  readonly #concurrency: number;
  /** Requests whose handler is still running or queued, for cancellation. */
  readonly #live = new Map<number, Call>();
  readonly #queue = new RingQueue<Queued>();
  #running = 0;
  #handled = 0;
  #failed = 0;
  #abandoned = 0;
  #lateResults = 0;
  #sampleTick = 0;
  readonly #runRecent = new RecentPercentiles();
  readonly #waitRecent = new RecentPercentiles();
  readonly #runBuckets = new BucketCounts();
  readonly #waitBuckets = new BucketCounts();
  #idleWaiters: (() => void)[] = [];

  constructor(
    readonly def: ActorDefinition,
    handlers: Record<string, Handler>,
    readonly reply: ReplyFn,
  ) {
    this.#handlers = def.methods.map((m) => handlers[m]!);
    this.#concurrency = def.concurrency ?? 1024;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get handled(): number {
    return this.#handled;
  }

  get failed(): number {
    return this.#failed;
  }

  /** Runs a request now, or queues it behind `concurrency` running handlers. `arrived` is performance.now() (0: not timed). */
  submit(
    handle: number,
    methodIndex: number,
    format: BodyFormat,
    deadline: number,
    key: string | undefined,
    traceparent: string | undefined,
    body: Uint8Array,
    arrived: number,
  ): void {
    const call = new Call(this.def.methods[methodIndex]!, deadline, key, traceparent);
    if (this.#running < this.#concurrency && this.#queue.length === 0) {
      this.#run(handle, methodIndex, format, call, body, arrived);
    } else {
      this.#live.set(handle, call);
      // A queued request keeps a view into its batch buffer, which stays alive with it.
      this.#queue.push({ handle, methodIndex, format, call, body, arrived });
    }
  }

  /** The request settled elsewhere (timeout): abort its handler and drop a late result. */
  cancel(handle: number): void {
    const call = this.#live.get(handle);
    if (!call) return;
    this.#live.delete(handle);
    call.cancel();
    this.#abandoned++;
  }

  /** Resolves once nothing runs or waits (graceful close). */
  whenIdle(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Statistics of the last minute or two (percentiles) and since start (counters, buckets). */
  stats(now = Date.now()): Omit<WorkerStats, 'heapUsed' | 'bootId' | 'breakers'> {
    const [runP50, runP99] = this.#runRecent.percentiles([50, 99], now);
    const [waitP50, waitP99] = this.#waitRecent.percentiles([50, 99], now);
    return {
      handled: this.#handled,
      failed: this.#failed,
      running: this.#running,
      queued: this.#queue.length,
      abandoned: this.#abandoned,
      lateResults: this.#lateResults,
      runP50: runP50!,
      runP99: runP99!,
      waitP50: waitP50!,
      waitP99: waitP99!,
      run: this.#runBuckets.snapshot(),
      wait: this.#waitBuckets.snapshot(),
    };
  }

  #fail(handle: number, err: unknown): void {
    this.#failed++;
    this.reply(handle, true, Buffer.from(JSON.stringify(serializeError(err))));
  }

  #succeed(handle: number, format: BodyFormat, value: unknown): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeResult(format, value);
    } catch (err) {
      this.#fail(handle, err);
      return;
    }
    this.#handled++;
    this.reply(handle, false, bytes);
  }

  #recordRun(started: number): void {
    const ms = performance.now() - started;
    this.#runRecent.record(ms * 1e6);
    this.#runBuckets.observe(ms / 1000, SAMPLE_WEIGHT);
  }

  /** A pinned actor's key, computed here when the main thread left it out (single worker). */
  #pinKeyOf(methodIndex: number, params: unknown): string {
    try {
      return this.def.pinKey!(this.def.methods[methodIndex]!, params);
    } catch (err) {
      const e = pinKeyError(err);
      throw new OutriggerError(e.code, e.message, e.data);
    }
  }

  /** Runs one handler; it joins `live` (cancellable) only if it goes async. */
  #run(handle: number, methodIndex: number, format: BodyFormat, call: Call, body: Uint8Array, arrived: number): void {
    const sampled = (this.#sampleTick++ & SAMPLE_MASK) === 0;
    const started = sampled ? performance.now() : 0;
    if (sampled && arrived > 0) {
      this.#waitRecent.record((started - arrived) * 1e6);
      this.#waitBuckets.observe((started - arrived) / 1000, SAMPLE_WEIGHT);
    }
    let result: unknown;
    this.#running++;
    try {
      const params = decodeBody(format, body);
      if (call.key === undefined && this.def.pinKey) call.key = this.#pinKeyOf(methodIndex, params);
      result = this.#handlers[methodIndex]!(params, call);
    } catch (err) {
      this.#running--;
      this.#live.delete(handle);
      this.#fail(handle, err);
      this.#checkIdle();
      return;
    }
    if (result instanceof Promise) {
      // Only now does the request need to be findable for cancellation.
      this.#live.set(handle, call);
      result.then(
        (v) => this.#settleAsync(handle, call, format, started, v, false),
        (e) => this.#settleAsync(handle, call, format, started, e, true),
      );
      return;
    }
    this.#running--;
    this.#live.delete(handle);
    if (sampled) this.#recordRun(started);
    this.#succeed(handle, format, result);
    this.#checkIdle();
  }

  #settleAsync(handle: number, call: Call, format: BodyFormat, started: number, outcome: unknown, isError: boolean): void {
    this.#running--;
    if (started > 0) this.#recordRun(started);
    if (call.cancelled) this.#lateResults++;
    else {
      this.#live.delete(handle);
      if (isError) this.#fail(handle, outcome);
      else this.#succeed(handle, format, outcome);
    }
    this.#drain();
  }

  #drain(): void {
    while (this.#queue.length > 0 && this.#running < this.#concurrency) {
      const q = this.#queue.shift()!;
      if (q.call.cancelled) continue;
      this.#run(q.handle, q.methodIndex, q.format, q.call, q.body, q.arrived);
    }
    this.#checkIdle();
  }

  // Sync completions never drain the queue: a queued request waits only for
  // async handlers to finish, and draining from inside #run would recurse.
  #checkIdle(): void {
    if (this.#running === 0 && this.#queue.length === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const fn of waiters) fn();
    }
  }
}
