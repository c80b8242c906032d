// Entry of every actor worker thread: loads the actor module, runs its
// handlers over request batches and answers in reply batches.
import { parentPort, workerData } from 'node:worker_threads';
import { createHistogram, performance } from 'node:perf_hooks';
import { isActorDefinition, type ActorContext, type ActorDefinition, type ActorInstance, type CallContext, type Handler } from './api.ts';
import { BatchWriter, readRequests, type BatchRequest } from './batch.ts';
import { decodeBody, encodeResult } from './body-codec.ts';
import './extra-formats.ts';
import type { BodyFormat } from './formats.ts';
import type { MainToWorker, WorkerBoot, WorkerToMain } from './messages.ts';
import { serializeError } from '../errors/error.ts';
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
    readonly key: string | undefined,
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
const live = new Map<number, Call>();
const queue: { req: BatchRequest; arrived: number }[] = [];
let running = 0;
let handled = 0;
let failed = 0;
let abandoned = 0;
let lateResults = 0;
let closing = false;
let replies: BatchWriter | null = null;

function flushReplies(): void {
  const batch = replies!;
  replies = null;
  const buf = batch.finish();
  post({ t: 'rep', buf }, [buf]);
}

function reply(handle: number, isError: boolean, bytes: Uint8Array): void {
  if (!replies) {
    replies = new BatchWriter();
    setImmediate(flushReplies);
  }
  replies.addReply(handle, isError, bytes);
}

function fail(handle: number, err: unknown): void {
  failed++;
  reply(handle, true, Buffer.from(JSON.stringify(serializeError(err))));
}

function finish(handle: number, call: Call, format: BodyFormat, started: number, outcome: unknown, isError: boolean): void {
  running--;
  runHist.record(Math.max(1, Math.round((performance.now() - started) * 1e6)));
  if (call.cancelled) {
    lateResults++;
  } else {
    live.delete(handle);
    handled++;
    if (isError) fail(handle, outcome);
    else {
      try {
        reply(handle, false, encodeResult(format, outcome));
      } catch (err) {
        fail(handle, err);
      }
    }
  }
  if (queue.length > 0 && running < concurrency) {
    const next = queue.shift()!;
    start(next.req, next.arrived);
  } else if (closing) maybeClosed();
}

function start(r: BatchRequest, arrived: number): void {
  const call = live.get(r.handle);
  if (!call) return; // cancelled while queued
  const started = performance.now();
  waitHist.record(Math.max(1, Math.round((started - arrived) * 1e6)));
  running++;
  let result: unknown;
  try {
    result = handlers[r.methodIndex]!(decodeBody(r.format as BodyFormat, r.body), call);
  } catch (err) {
    finish(r.handle, call, r.format as BodyFormat, started, err, true);
    return;
  }
  if (result instanceof Promise) {
    const format = r.format as BodyFormat;
    result.then(
      (v) => finish(r.handle, call, format, started, v, false),
      (e) => finish(r.handle, call, format, started, e, true),
    );
  } else finish(r.handle, call, r.format as BodyFormat, started, result, false);
}

function onRequests(buf: ArrayBuffer): void {
  const arrived = performance.now();
  readRequests(buf, (r) => {
    live.set(r.handle, new Call(def.methods[r.methodIndex]!, r.deadline, r.key, r.traceparent));
    if (running < concurrency && queue.length === 0) start(r, arrived);
    // Queued requests keep a view into `buf`, which stays alive with them.
    else queue.push({ req: r, arrived });
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
  switch (msg.t) {
    case 'req':
      onRequests(msg.buf);
      break;
    case 'cancel':
      onCancel(msg.handles);
      break;
    case 'close':
      closing = true;
      void maybeClosed();
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
    },
  });
  runHist.reset();
  waitHist.reset();
}, boot.heartbeatMs).unref();

post({ t: 'ready' });
