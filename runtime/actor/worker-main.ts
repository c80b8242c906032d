// Entry of every actor worker thread: loads the actor module, runs its
// handlers (executor.ts) over request batches and answers in reply batches,
// and reports statistics with every heartbeat.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { isActorDefinition, type ActorContext, type ActorDefinition, type ActorInstance } from './api.ts';
import { BatchWriter, readRequests } from './batch.ts';
import { ActorExecutor } from './executor.ts';
import type { MainToWorker, WorkerBoot, WorkerToMain } from './messages.ts';
import type { BodyFormat } from '../codec/body/formats.ts';
import { serializeError } from '../errors/error.ts';
import { breakerSnapshots } from '../resilience/breakers.ts';
import { createLogger } from '../log.ts';
import { importModule } from '../loader/modules.ts';

const port = parentPort!;
const boot = workerData as WorkerBoot;
const log = createLogger(boot.logLevel, { actor: boot.actorName, worker: boot.workerIndex });

function post(msg: WorkerToMain, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
}

const mod = (await importModule(boot.actorModule)) as { default?: unknown };
if (!isActorDefinition(mod.default)) throw new Error(`${boot.actorModule} does not default-export defineActor(...)`);
const def: ActorDefinition = mod.default;

let instance: ActorInstance<string>;
try {
  const ctx: ActorContext = {
    actor: boot.actorName,
    workerIndex: boot.workerIndex,
    options: def.parseOptions ? def.parseOptions(boot.options) : boot.options,
    log,
    publish: (topic, data) => post({ t: 'pub', topic, data }),
  };
  instance = await def.create(ctx);
} catch (err) {
  post({ t: 'init-failed', error: serializeError(err) });
  await new Promise(() => {}); // the main thread terminates us
  throw err;
}

let replies: BatchWriter | null = null;

function flushReplies(): void {
  const batch = replies!;
  replies = null;
  const buf = batch.finish();
  port.postMessage(buf, [buf]);
}

const executor = new ActorExecutor(def, instance.handlers, (handle, isError, bytes) => {
  if (!replies) {
    replies = new BatchWriter(1024);
    setImmediate(flushReplies);
  }
  replies.addReply(handle, isError, bytes);
});

function onRequests(buf: ArrayBuffer): void {
  const arrived = performance.now();
  readRequests(buf, (handle, methodIndex, format, deadline, key, traceparent, body) =>
    executor.submit(handle, methodIndex, format as BodyFormat, deadline, key, traceparent, body, arrived),
  );
}

let closing = false;

async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  await executor.whenIdle();
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
      for (const h of msg.handles) executor.cancel(h);
      break;
    case 'close':
      void close();
      break;
    case 'log-level':
      // Hot reload: the actor's ctx.log follows; child loggers it made earlier keep their level.
      log.level = msg.level;
      break;
  }
});

const bootId = Math.floor(Math.random() * 0x7fffffff);
setInterval(() => {
  post({ t: 'beat', stats: { ...executor.stats(), heapUsed: process.memoryUsage().heapUsed, bootId, breakers: breakerSnapshots() } });
}, boot.heartbeatMs).unref();

post({ t: 'ready' });
