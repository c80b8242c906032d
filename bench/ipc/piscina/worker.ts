// Worker side of PiscinaHost: piscina calls the default export once per task.
// A task is either a transferred request batch (per-batch mode: the answer is
// the reply batch, moved back when every request in it has settled or been
// cancelled) or one request (per-request mode: the answer is its result).
// Handlers run under the actor's concurrency bound; a cancelled request's
// handler sees its signal abort and its late result is dropped.
import { MessageChannel, type MessagePort, parentPort, threadId, workerData } from 'node:worker_threads';
import { move } from 'piscina';
import { isActorDefinition, type ActorDefinition, type ActorInstance, type Handler } from '../../../runtime/actor/api.ts';
import { BatchWriter, readRequests } from '../../../runtime/actor/batch.ts';
import { Call } from '../../../runtime/actor/executor.ts';
import { decodeBody, encodeResult } from '../../../runtime/codec/body/body-codec.ts';
import '../../../runtime/actor/extra-formats.ts';
import type { BodyFormat } from '../../../runtime/codec/body/formats.ts';
import { serializeError, type SerializedError } from '../../../runtime/errors/error.ts';
import { createLogger } from '../../../runtime/log.ts';
import type { ControlMessage, PiscinaBoot, RequestResult, RequestTask, WorkerEvent } from './protocol.ts';

const boot = workerData as PiscinaBoot;
const port = parentPort!;
const post = (e: WorkerEvent, transfer?: MessagePort[]): void => port.postMessage(e, transfer);

/** The first free slot. The host frees a dead worker's slot when it sees the exit, which may come just after piscina spawned the replacement. */
function claimSlot(): number {
  const flags = new Int32Array(boot.slotFlags);
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    for (let i = 0; i < flags.length; i++) if (Atomics.compareExchange(flags, i, 0, 1) === 0) return i;
    Atomics.wait(flags, 0, 1, 10);
  }
  throw new Error('no free worker slot');
}

const slot = claimSlot();
const log = createLogger(boot.logLevel, { actor: boot.actorName, worker: slot });

/** Where a request's outcome goes: its batch's reply writer, or its own task's answer. */
interface Sink {
  ok(handle: number, bytes: Uint8Array): void;
  fail(handle: number, error: SerializedError): void;
  /** Cancelled: no answer. */
  drop(): void;
}

class BatchSink implements Sink {
  readonly out = new BatchWriter(1024);
  waiting = 0;
  resolve: ((reply: unknown) => void) | null = null;
  ok(handle: number, bytes: Uint8Array): void {
    this.out.addReply(handle, false, bytes);
    this.drop();
  }
  fail(handle: number, error: SerializedError): void {
    this.out.addReply(handle, true, Buffer.from(JSON.stringify(error)));
    this.drop();
  }
  drop(): void {
    if (--this.waiting === 0 && this.resolve) this.resolve(move(this.out.finish()));
  }
}

class OneSink implements Sink {
  done = false;
  value: unknown = null;
  resolve: ((v: unknown) => void) | null = null;
  ok(_handle: number, bytes: Uint8Array): void {
    // An exact-size copy: encoders may return a slice of Node's shared buffer pool, which must not be transferred.
    this.#settle(move(new Uint8Array(bytes)));
  }
  fail(_handle: number, error: SerializedError): void {
    this.#settle({ error } satisfies RequestResult);
  }
  drop(): void {
    this.#settle(null);
  }
  #settle(v: unknown): void {
    this.done = true;
    this.value = v;
    this.resolve?.(v);
  }
}

interface Job {
  handle: number;
  methodIndex: number;
  format: BodyFormat;
  call: Call;
  body: Uint8Array;
  sink: Sink;
}

const mod = (await import(boot.actorModule)) as { default?: unknown };
if (!isActorDefinition(mod.default)) throw new Error(`${boot.actorModule} does not default-export defineActor(...)`);
const def: ActorDefinition = mod.default;
let instance: ActorInstance<string>;
try {
  instance = await def.create({
    actor: boot.actorName,
    workerIndex: slot,
    options: def.parseOptions ? def.parseOptions(boot.options) : boot.options,
    log,
    publish: (topic, data) => post({ t: 'pub', topic, data }),
  });
} catch (err) {
  post({ t: 'init-failed', tid: threadId, slot, error: serializeError(err) });
  throw err; // piscina's worker dies on it
}
const handlers: Handler[] = def.methods.map((m) => instance.handlers[m]!);
const concurrency = def.concurrency ?? 1024;

/** Requests that went async or wait for a turn: the ones a cancellation can still reach. */
const live = new Map<number, Job>();
const waiting: Job[] = [];
let waitHead = 0;
let running = 0;
let closing = false;

function succeed(job: Job, value: unknown): void {
  let bytes: Uint8Array;
  try {
    bytes = encodeResult(job.format, value);
  } catch (err) {
    job.sink.fail(job.handle, serializeError(err));
    return;
  }
  job.sink.ok(job.handle, bytes);
}

function settleAsync(job: Job, outcome: unknown, isError: boolean): void {
  running--;
  if (!job.call.cancelled) {
    live.delete(job.handle);
    if (isError) job.sink.fail(job.handle, serializeError(outcome));
    else succeed(job, outcome);
  }
  drain();
}

function run(job: Job): void {
  let result: unknown;
  running++;
  try {
    result = handlers[job.methodIndex]!(decodeBody(job.format, job.body), job.call);
  } catch (err) {
    running--;
    live.delete(job.handle);
    job.sink.fail(job.handle, serializeError(err));
    return;
  }
  if (result instanceof Promise) {
    live.set(job.handle, job);
    result.then(
      (v) => settleAsync(job, v, false),
      (e) => settleAsync(job, e, true),
    );
    return;
  }
  running--;
  live.delete(job.handle);
  succeed(job, result);
}

function submit(job: Job): void {
  if (running < concurrency && waitHead === waiting.length) {
    run(job);
    return;
  }
  live.set(job.handle, job);
  waiting.push(job);
}

function drain(): void {
  while (waitHead < waiting.length && running < concurrency) {
    const job = waiting[waitHead++]!;
    if (!job.call.cancelled) run(job);
  }
  if (waitHead === waiting.length) waiting.length = waitHead = 0;
  if (closing) void maybeClosed();
}

function cancel(handle: number): void {
  const job = live.get(handle);
  if (!job) return;
  live.delete(handle);
  job.call.cancel();
  job.sink.drop();
}

async function maybeClosed(): Promise<void> {
  if (running > 0 || waitHead < waiting.length || !closing) return;
  closing = false;
  try {
    await instance.close?.();
  } catch (err) {
    log.error({ err }, 'actor close failed');
  }
  post({ t: 'closed', tid: threadId });
}

const control = new MessageChannel();
control.port1.on('message', (m: ControlMessage) => {
  if (m.t === 'cancel') for (const h of m.handles) cancel(h);
  else if (m.t === 'log-level') log.level = m.level;
  else {
    closing = true;
    void maybeClosed();
  }
});
post({ t: 'hello', tid: threadId, slot, port: control.port2 }, [control.port2]);
setInterval(() => post({ t: 'beat', tid: threadId, running, queued: waiting.length - waitHead }), boot.heartbeatMs).unref();

function runBatch(buf: ArrayBuffer): unknown {
  const sink = new BatchSink();
  readRequests(new Uint8Array(buf), (handle, methodIndex, format, deadline, key, traceparent, body) => {
    sink.waiting++;
    const call = new Call(def.methods[methodIndex]!, deadline, key, traceparent);
    submit({ handle, methodIndex, format: format as BodyFormat, call, body, sink });
  });
  if (sink.waiting === 0) return move(sink.out.finish());
  return new Promise((resolve) => (sink.resolve = resolve));
}

function runOne(t: RequestTask): unknown {
  const sink = new OneSink();
  const call = new Call(def.methods[t.methodIndex]!, t.deadline, t.key, t.traceparent);
  submit({ handle: t.handle, methodIndex: t.methodIndex, format: t.format as BodyFormat, call, body: t.body, sink });
  if (sink.done) return sink.value;
  return new Promise((resolve) => (sink.resolve = resolve));
}

export default function task(t: ArrayBuffer | RequestTask): unknown {
  return t instanceof ArrayBuffer ? runBatch(t) : runOne(t);
}
