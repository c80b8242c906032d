// Entry of every actor worker thread: loads the actor module, runs its
// handlers (executor.ts) over request batches and answers in reply batches,
// and reports statistics with every heartbeat.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { isActorDefinition, type ActorContext, type ActorDefinition, type ActorInstance } from './api.ts';
import { BatchWriter, readRequests } from './batch.ts';
import { BatchReceiver, BatchSender, DOORBELL, SpinPolicy } from './batch-channel.ts';
import { SharedRing } from './shared-ring.ts';
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

function post(msg: WorkerToMain): void {
  port.postMessage(msg);
}

const mod = (await importModule(boot.actorModule)) as { default?: unknown };
if (!isActorDefinition(mod.default)) throw new Error(`${boot.actorModule} does not default-export defineActor(...)`);
const def: ActorDefinition = mod.default;

/** A control message went out on the port since the last reply batch (an actor may publish from create()). */
let portUsed = false;

let instance: ActorInstance<string>;
try {
  const ctx: ActorContext = {
    actor: boot.actorName,
    workerIndex: boot.workerIndex,
    options: def.parseOptions ? def.parseOptions(boot.options) : boot.options,
    log,
    publish: (topic, data) => {
      portUsed = true;
      post({ t: 'pub', topic, data });
    },
  };
  instance = await def.create(ctx);
} catch (err) {
  post({ t: 'init-failed', error: serializeError(err) });
  await new Promise(() => {}); // the main thread terminates us
  throw err;
}

let replies: BatchWriter | null = null;
/** The last reply batch's writer, once copied into the ring (a buffer per batch costs more than the copy). */
let spareReplies: BatchWriter | null = null;
const replySender = new BatchSender(new SharedRing(boot.replyRing), boot.bulk, () => port.postMessage(DOORBELL));
const requestSpin = new SpinPolicy(boot.requestSpinMicros / 1000);
/** Request batches are being read: their synchronous replies go out together at the end. */
let serving = false;

function flushReplies(): void {
  const batch = replies;
  if (!batch) return;
  replies = null;
  if (portUsed) {
    // Behind a `pub` on the port, not ahead of it through the ring: a client
    // that subscribed sees what was published before the reply to a later call.
    portUsed = false;
    const buf = batch.finish();
    port.postMessage(buf, [buf]);
  } else {
    spareReplies = replySender.sendBatch(batch);
  }
}

const executor = new ActorExecutor(def, instance.handlers, (handle, isError, bytes) => {
  if (!replies) {
    replies = spareReplies ?? new BatchWriter(1024);
    spareReplies = null;
    // A reply of a handler that went async: out with the others of this turn.
    if (!serving) setImmediate(afterReplies);
  }
  replies.addReply(handle, isError, bytes);
});

function onRequests(buf: Uint8Array): void {
  const arrived = performance.now();
  readRequests(buf, (handle, methodIndex, format, deadline, key, traceparent, body) =>
    executor.submit(handle, methodIndex, format as BodyFormat, deadline, key, traceparent, body, arrived),
  );
}

const requests = new BatchReceiver(new SharedRing(boot.requestRing), boot.bulk, onRequests);

// Bounds on what one event-loop turn of the worker takes from the ring: the
// worker's own timers (the heartbeat) and I/O (an actor's sockets) must run
// between them, however fast batches arrive.
const BATCHES_PER_TURN = 64;
const POLLS_PER_TURN = 64;
let serveScheduled = false;

/** Reads the request batches there are (up to a turn's worth); false when some remain. */
function read(): boolean {
  serving = true;
  const drained = requests.settle(BATCHES_PER_TURN);
  serving = false;
  if (!drained && !serveScheduled) {
    serveScheduled = true;
    setImmediate(serve);
  }
  return drained;
}

/** Reads the request batches there are, answers what finished, and polls for more while that pays. */
function serve(): void {
  serveScheduled = false;
  if (read()) afterReplies();
  else flushReplies();
}

function afterReplies(): void {
  flushReplies();
  // Nothing left to do: a lone caller's next request usually follows within
  // microseconds, and polling for it is cheaper than sleeping (batch-channel.ts).
  for (let polls = 0; polls < POLLS_PER_TURN && !closing && executor.running === 0 && executor.queued === 0 && requestSpin.shouldSpin(); polls++) {
    const arrived = requests.spin(requestSpin.budgetMs);
    requestSpin.record(arrived);
    // Read also when the poll timed out: what came in as it gave up.
    const drained = read();
    flushReplies();
    if (!arrived || !drained) break;
  }
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
  flushReplies();
  post({ t: 'closed' });
}

port.on('message', (msg: MainToWorker) => {
  // Requests written before this message come first (a cancel finds its request, close waits for it).
  serve();
  if (msg === DOORBELL) return;
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
