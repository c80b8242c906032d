// Entry of every actor worker thread: loads the actor module, runs its
// handlers over request batches and answers in reply batches.
import { parentPort, workerData } from 'node:worker_threads';
import { createHistogram, performance } from 'node:perf_hooks';
import { isActorDefinition, type ActorContext, type ActorDefinition, type ActorInstance, type CallContext, type Handler } from './api.ts';
import { BatchWriter, readRequests } from './batch.ts';
import { decodeBody, encodeResult } from '../codec/body/body-codec.ts';
import type { BodyFormat } from '../codec/body/formats.ts';
import type { MainToWorker, WorkerBoot, WorkerToMain } from './messages.ts';
import { OutriggerError, serializeError } from '../errors/error.ts';
import { BucketCounts } from '../metrics/buckets.ts';
import { breakerSnapshots } from '../resilience/breakers.ts';
import { createLogger } from '../log.ts';

const port = parentPort!;
const boot = workerData as WorkerBoot;
const log = createLogger(boot.logLevel, { actor: boot.actorName, worker: boot.workerIndex });

function post(msg: WorkerToMain, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
}

/** A request's call context; the AbortController is made only if a handler asks for the signal. */
class Call implements CallContext {
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

const mod = (await import(boot.actorModule)) as { default?: unknown };
if (!isActorDefinition(mod.default)) throw new Error(`${boot.actorModule} does not default-export defineActor(...)`);
const def: ActorDefinition = mod.default;

const ctx: ActorContext = {
  actor: boot.actorName,
  workerIndex: boot.workerIndex,
  options: def.parseOptions ? def.parseOptions(boot.options) : boot.options,
  log,
  publish: (topic, data) => post({ t: 'pub', topic, data }),
};

let instance: ActorInstance<string>;
try {
  instance = await def.create(ctx);
} catch (err) {
  post({ t: 'init-failed', error: serializeError(err) });
  await new Promise(() => {}); // the main thread terminates us
  throw err;
}
const handlers: Handler[] = def.methods.map((m) => instance.handlers[m]!);
const concurrency = def.concurrency ?? 1024;

const runHist = createHistogram();
const waitHist = createHistogram();
/** Requests whose handler is still running (or queued), for cancellation. */
const live = new Map<number, Call>();
const queue: Queued[] = [];
let running = 0;
let handled = 0;
let failed = 0;
let abandoned = 0;
let lateResults = 0;
let closing = false;
let replies: BatchWriter | null = null;
// Timing every request costs more than the echo it measures; one in eight
// gives the same percentiles.
const SAMPLE_MASK = 7;
let sampleTick = 0;
// Cumulative buckets for Prometheus (the perf_hooks histograms are per-beat
// percentiles). Fed by the same 1-in-8 sample, each sample weighted 8.
const SAMPLE_WEIGHT = SAMPLE_MASK + 1;
const runBuckets = new BucketCounts();
const waitBuckets = new BucketCounts();
const bootId = Math.floor(Math.random() * 0x7fffffff);

function recordRun(started: number): void {
  const ms = performance.now() - started;
  runHist.record(Math.max(1, Math.round(ms * 1e6)));
  runBuckets.observe(ms / 1000, SAMPLE_WEIGHT);
}

interface Queued {
  handle: number;
  methodIndex: number;
  format: BodyFormat;
  call: Call;
  body: Uint8Array;
  arrived: number;
}

function flushReplies(): void {
  const batch = replies!;
  replies = null;
  const buf = batch.finish();
  port.postMessage(buf, [buf]);
}

function reply(handle: number, isError: boolean, bytes: Uint8Array): void {
  if (!replies) {
    replies = new BatchWriter(1024);
    setImmediate(flushReplies);
  }
  replies.addReply(handle, isError, bytes);
}

function fail(handle: number, err: unknown): void {
  failed++;
  reply(handle, true, Buffer.from(JSON.stringify(serializeError(err))));
}

function succeed(handle: number, format: BodyFormat, value: unknown): void {
  let bytes: Uint8Array;
  try {
    bytes = encodeResult(format, value);
  } catch (err) {
    fail(handle, err);
    return;
  }
  handled++;
  reply(handle, false, bytes);
}

/** Completion of an async handler (or of a sync one that was queued). */
function settleLive(handle: number, call: Call, format: BodyFormat, started: number, outcome: unknown, isError: boolean): void {
  running--;
  if (started > 0) recordRun(started);
  if (call.cancelled) lateResults++;
  else {
    live.delete(handle);
    if (isError) fail(handle, outcome);
    else succeed(handle, format, outcome);
  }
  drainQueue();
}

function drainQueue(): void {
  while (queue.length > 0 && running < concurrency) {
    const q = queue.shift()!;
    if (q.call.cancelled) continue;
    run(q.handle, q.methodIndex, q.format, q.call, q.body, q.arrived);
  }
  if (closing && running === 0 && queue.length === 0) void maybeClosed();
}

/** A pinned actor's key, computed here when the main thread left it out (single worker). */
function pinKeyOf(methodIndex: number, params: unknown): string {
  try {
    return def.pinKey!(def.methods[methodIndex]!, params);
  } catch (err) {
    const e = serializeError(err);
    throw new OutriggerError(e.code === 'ACTOR_ERROR' ? 'INVALID_PARAMS' : e.code, e.message, e.data);
  }
}

/** Runs one handler; it joins `live` (cancellable) only if it goes async. */
function run(handle: number, methodIndex: number, format: BodyFormat, ctx: Call, body: Uint8Array, arrived: number): void {
  const sampled = (sampleTick++ & SAMPLE_MASK) === 0;
  const started = sampled ? performance.now() : 0;
  if (sampled && arrived > 0) {
    waitHist.record(Math.max(1, Math.round((started - arrived) * 1e6)));
    waitBuckets.observe((started - arrived) / 1000, SAMPLE_WEIGHT);
  }
  let result: unknown;
  running++;
  try {
    const params = decodeBody(format, body);
    if (ctx.key === undefined && def.pinKey) ctx.key = pinKeyOf(methodIndex, params);
    result = handlers[methodIndex]!(params, ctx);
  } catch (err) {
    running--;
    live.delete(handle);
    fail(handle, err);
    return;
  }
  if (result instanceof Promise) {
    // Only now does the request need to be findable for cancellation.
    live.set(handle, ctx);
    result.then(
      (v) => settleLive(handle, ctx, format, started, v, false),
      (e) => settleLive(handle, ctx, format, started, e, true),
    );
    return;
  }
  running--;
  live.delete(handle);
  if (sampled) recordRun(started);
  succeed(handle, format, result);
}

function onRequests(buf: ArrayBuffer): void {
  const arrived = performance.now();
  readRequests(buf, (handle, methodIndex, format, deadline, key, traceparent, body) => {
    const call = new Call(def.methods[methodIndex]!, deadline, key, traceparent);
    if (running < concurrency && queue.length === 0) {
      run(handle, methodIndex, format as BodyFormat, call, body, arrived);
    } else {
      live.set(handle, call);
      // Queued requests keep a view into `buf`, which stays alive with them.
      queue.push({ handle, methodIndex, format: format as BodyFormat, call, body, arrived });
    }
  });
}

function onCancel(handles: number[]): void {
  for (const h of handles) {
    const call = live.get(h);
    if (!call) continue;
    live.delete(h);
    call.cancel();
    abandoned++;
  }
}

async function maybeClosed(): Promise<void> {
  if (running > 0 || queue.length > 0) return;
  closing = false;
  try {
    await instance.close?.();
  } catch (err) {
    log.error({ err }, 'actor close failed');
  }
  if (replies) flushReplies();
  post({ t: 'closed' });
}

port.on('message', (msg: MainToWorker) => {
  if (msg instanceof ArrayBuffer) {
    onRequests(msg);
    return;
  }
  switch (msg.t) {
    case 'cancel':
      onCancel(msg.handles);
      break;
    case 'close':
      closing = true;
      void maybeClosed();
      break;
    case 'log-level':
      // Hot reload: the actor's ctx.log follows; child loggers it made earlier keep their level.
      log.level = msg.level;
      break;
  }
});

function pct(h: ReturnType<typeof createHistogram>, p: number): number {
  return h.count === 0 ? 0 : h.percentile(p) / 1e6;
}

setInterval(() => {
  post({
    t: 'beat',
    stats: {
      handled,
      failed,
      running,
      queued: queue.length,
      abandoned,
      lateResults,
      runP50: pct(runHist, 50),
      runP99: pct(runHist, 99),
      waitP50: pct(waitHist, 50),
      waitP99: pct(waitHist, 99),
      heapUsed: process.memoryUsage().heapUsed,
      bootId,
      run: runBuckets.snapshot(),
      wait: waitBuckets.snapshot(),
      breakers: breakerSnapshots(),
    },
  });
  runHist.reset();
  waitHist.reset();
}, boot.heartbeatMs).unref();

post({ t: 'ready' });
