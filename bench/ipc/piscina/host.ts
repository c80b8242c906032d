import { EventEmitter } from 'node:events';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { Piscina, queueOptionsSymbol } from 'piscina';
import type { ActorDefinition } from '../../../runtime/actor/api.ts';
import { BatchWriter, readReplies } from '../../../runtime/actor/batch.ts';
import { decodeBody } from '../../../runtime/codec/body/body-codec.ts';
import { DrainSignal } from '../../../runtime/actor/drain-signal.ts';
import { BodyFormat } from '../../../runtime/codec/body/formats.ts';
import type { ActorHostOptions } from '../../../runtime/actor/host.ts';
import type { ActorRuntime, ActorSnapshot } from '../../../runtime/actor/runtime.ts';
import { topLevelString } from '../../../runtime/codec/json-envelope.ts';
import { OutriggerError, serializeError, type SerializedError } from '../../../runtime/errors/error.ts';
import type { Pending, PendingHolder } from '../../../runtime/router/pending.ts';
import type { Router } from '../../../runtime/router/router.ts';
import type { ControlMessage, PiscinaBoot, RequestResult, RequestTask, WorkerEvent } from './protocol.ts';

/**
 * One piscina task per request, or one per event-loop turn carrying every
 * request of the turn as a transferred batch (the same format ActorHost uses).
 */
export type PiscinaMode = 'task' | 'batch';

export interface PiscinaHostOptions extends ActorHostOptions {
  mode: PiscinaMode;
}

const WORKER_FILE = new URL('./worker.mjs', import.meta.url).href;
const CRASH_LOOP_FAILURES = 3;

type Balancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;

/** Rides on a task (as piscina's queue options) so the balancer can route it and the host knows where it went. */
interface TaskTag {
  /** The slot a pinned request must run on, or -1 for any (least busy). */
  slot: number;
  /** threadId of the worker the balancer chose; -1 until dispatched. */
  tid: number;
  handles: number[];
}

interface Slot {
  index: number;
  tid: number;
  worker: Worker | null;
  control: MessagePort | null;
  state: 'starting' | 'ready' | 'restarting' | 'closed';
  lastBeat: number;
  consecutiveFailures: number;
  restarts: number;
  pinnedKeys: number;
  killReason: 'hung' | null;
}

/**
 * An actor's worker side hosted on a piscina pool, behind the same
 * ActorRuntime interface as ActorHost. Piscina owns the threads (spawn,
 * replace on exit, resource limits), the task queue and dispatch; its
 * loadBalancer keeps pinned keys on their slot. The host keeps what piscina
 * has no notion of: per-request deadlines and cancellation (through each
 * worker's control port, since aborting a running piscina task kills its
 * thread), heartbeats and the hang watchdog, and which requests a lost
 * thread held. Bench prototype: see docs/design/piscina.md for the decision.
 */
export class PiscinaHost extends EventEmitter implements ActorRuntime, PendingHolder {
  readonly name: string;
  readonly methods: readonly string[];
  readonly slots: Slot[] = [];
  restartsTotal = 0;
  lateReplies = 0;
  #pool: Piscina | null = null;
  #outstanding = 0;
  #nextHandle = 1;
  readonly #inflight = new Map<number, Pending>();
  readonly #keyToSlot = new Map<string, number>();
  readonly #drained = new DrainSignal();
  readonly #watched = new Set<Worker>();
  /** Why a thread went away, by threadId, for the tasks piscina fails on its behalf. */
  readonly #lostReason = new Map<number, 'hung' | 'crashed' | 'closed'>();
  /** Per-batch mode: this turn's batch per target slot (-1: any). */
  readonly #batches = new Map<number, { out: BatchWriter; tag: TaskTag }>();
  #flushScheduled = false;
  #cancels: number[] = [];
  #watchdog: NodeJS.Timeout | null = null;
  #lastError = '';
  #onSlotChange: (() => void) | null = null;
  readonly #slotFlags: Int32Array;
  readonly #boot: PiscinaBoot;

  constructor(
    readonly def: ActorDefinition,
    readonly opts: PiscinaHostOptions,
    readonly router: Router,
    readonly log: Logger,
  ) {
    super();
    this.name = def.name;
    this.methods = def.methods;
    const n = Math.max(1, opts.workers);
    const flags = new SharedArrayBuffer(4 * n);
    this.#slotFlags = new Int32Array(flags);
    this.#boot = {
      actorModule: opts.module,
      actorName: def.name,
      options: opts.options,
      logLevel: opts.logLevel,
      heartbeatMs: opts.heartbeatMs,
      slotFlags: flags,
    };
    for (let i = 0; i < n; i++) {
      this.slots.push({
        index: i,
        tid: -1,
        worker: null,
        control: null,
        state: 'starting',
        lastBeat: 0,
        consecutiveFailures: 0,
        restarts: 0,
        pinnedKeys: 0,
        killReason: null,
      });
    }
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  get saturated(): boolean {
    return this.#outstanding >= this.opts.maxQueue;
  }

  get queueLimit(): number {
    return this.opts.maxQueue;
  }

  get ready(): boolean {
    return this.slots.some((s) => s.state === 'ready');
  }

  onDrain(fn: () => void): void {
    this.#drained.add(fn);
  }

  async start(): Promise<void> {
    const n = this.slots.length;
    const pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: n,
      maxThreads: n,
      idleTimeout: Infinity,
      // The worker bounds its own handlers (the actor's concurrency); piscina only has to keep dispatching.
      concurrentTasksPerWorker: Math.max(1, this.opts.maxQueue),
      // Actors do I/O between tasks (Kafka, Modbus, timers): a worker must not sleep in Atomics.wait when idle.
      atomics: 'disabled',
      recordTiming: false,
      workerData: this.#boot,
      loadBalancer: this.#balancer,
    });
    this.#pool = pool;
    pool.on('message', (e: WorkerEvent) => this.#onEvent(e));
    pool.on('error', (err: Error) => this.log.error({ err }, 'piscina pool error'));
    this.#watchThreads();
    try {
      await new Promise<void>((resolve, reject) => {
        this.#onSlotChange = () => {
          if (this.#lastError) reject(new OutriggerError('ACTOR_UNAVAILABLE', `actor '${this.name}' failed to start: ${this.#lastError}`));
          else if (this.slots.every((s) => s.state === 'ready')) resolve();
        };
      });
    } catch (err) {
      await pool.destroy();
      throw err;
    } finally {
      this.#onSlotChange = null;
    }
    this.#watchdog = setInterval(() => this.#checkHeartbeats(), this.opts.heartbeatMs);
    this.#watchdog.unref();
  }

  /** Pinned: its key and the slot the key maps to; pooled: no key, any slot (the balancer picks the least busy). */
  #targetOf(p: Pending, methodIndex: number, body: Uint8Array): { slot: number; key: string | undefined } | SerializedError {
    if (this.def.kind !== 'pinned') return { slot: -1, key: undefined };
    let key: string;
    try {
      const method = this.methods[methodIndex]!;
      const field = p.format === BodyFormat.JSON && this.def.pinField ? topLevelString(body, this.def.pinField(method)) : undefined;
      key = field ?? this.def.pinKey!(method, decodeBody(p.format, body));
    } catch (err) {
      const e = serializeError(err);
      return { code: e.code === 'ACTOR_ERROR' ? 'INVALID_PARAMS' : e.code, message: e.message };
    }
    let slot = this.#keyToSlot.get(key);
    if (slot === undefined) {
      slot = this.slots.reduce((a, b) => (b.pinnedKeys < a.pinnedKeys ? b : a)).index;
      this.slots[slot]!.pinnedKeys++;
      this.#keyToSlot.set(key, slot);
    }
    return { slot, key };
  }

  submit(p: Pending, methodIndex: number, body: Uint8Array, traceparent: string | undefined): void {
    const routed = this.#targetOf(p, methodIndex, body);
    if ('code' in routed) {
      this.router.reject(p, routed);
      return;
    }
    const { slot: target, key } = routed;
    const failing = target >= 0 ? [this.slots[target]!] : this.slots;
    if (failing.every((s) => s.state !== 'ready' && s.consecutiveFailures >= CRASH_LOOP_FAILURES)) {
      this.router.reject(p, { code: 'ACTOR_UNAVAILABLE', message: `actor '${this.name}' is restarting after repeated failures: ${this.#lastError}` });
      return;
    }
    p.handle = this.#nextHandle;
    this.#nextHandle = this.#nextHandle === 0xffffffff ? 1 : this.#nextHandle + 1;
    p.holder = this;
    p.slot = target;
    this.#outstanding++;
    this.#inflight.set(p.handle, p);
    if (this.opts.mode === 'batch') {
      let b = this.#batches.get(target);
      if (!b) this.#batches.set(target, (b = { out: new BatchWriter(Math.max(1024, body.length * 2 + 64)), tag: { slot: target, tid: -1, handles: [] } }));
      b.out.addRequest(p.handle, methodIndex, p.format, p.deadline, key, traceparent, body);
      b.tag.handles.push(p.handle);
      this.#scheduleFlush();
      return;
    }
    const task: RequestTask & { [queueOptionsSymbol]?: TaskTag } = {
      handle: p.handle,
      methodIndex,
      format: p.format,
      deadline: p.deadline,
      key,
      traceparent,
      // Exact-size copy: a view into the socket's read would clone its whole backing buffer.
      body: new Uint8Array(body),
    };
    const tag: TaskTag = { slot: target, tid: -1, handles: [p.handle] };
    task[queueOptionsSymbol] = tag;
    this.#pool!.run(task, { transferList: [task.body.buffer as ArrayBuffer] }).then(
      (r: RequestResult) => this.#onResult(p.handle, r),
      (err: Error) => this.#onTaskLost(tag, err),
    );
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // After this turn's I/O callbacks: one batch carries every connection that was readable.
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#cancels.length > 0) {
      // Cancellations are rare (timeouts): every worker hears them and ignores handles it does not hold.
      const msg: ControlMessage = { t: 'cancel', handles: this.#cancels };
      for (const s of this.slots) s.control?.postMessage(msg);
      this.#cancels = [];
    }
    for (const { out, tag } of this.#batches.values()) {
      const buf = out.finish() as ArrayBuffer & { [queueOptionsSymbol]?: TaskTag };
      buf[queueOptionsSymbol] = tag;
      this.#pool!.run(buf, { transferList: [buf] }).then(
        (reply: ArrayBuffer) => this.#onReplies(reply),
        (err: Error) => this.#onTaskLost(tag, err),
      );
    }
    this.#batches.clear();
  }

  readonly #balancer: Balancer = (task, workers) => {
    const tag = task[queueOptionsSymbol] as TaskTag | null;
    let chosen: (typeof workers)[number] | null = null;
    if (tag && tag.slot >= 0) {
      const tid = this.slots[tag.slot]!.tid;
      chosen = workers.find((w) => w.id === tid && !w.terminating && !w.destroyed) ?? null;
    } else {
      for (const w of workers) {
        if (w.terminating || w.destroyed) continue;
        if (!chosen || w.currentUsage < chosen.currentUsage) chosen = w;
      }
    }
    if (chosen && tag) tag.tid = chosen.id;
    return chosen;
  };

  /** The request an answer is for, taken off the in-flight list; null (counted late) when it settled already. */
  #take(handle: number): Pending | null {
    const p = this.#inflight.get(handle);
    if (!p) {
      this.lateReplies++;
      this.router.stats.lateReplies++;
      return null;
    }
    this.#inflight.delete(handle);
    return p;
  }

  #onReplies(buf: ArrayBuffer): void {
    readReplies(new Uint8Array(buf), (handle, isError, bytes) => {
      const p = this.#take(handle);
      if (!p) return;
      if (isError) this.router.reject(p, JSON.parse(bytes.utf8Slice()) as SerializedError);
      else this.router.resolve(p, bytes);
    });
  }

  #onResult(handle: number, r: RequestResult): void {
    if (r === null) return; // cancelled: the request settled already
    const p = this.#take(handle);
    if (!p) return;
    if (r instanceof Uint8Array) this.router.resolve(p, Buffer.from(r.buffer, r.byteOffset, r.length));
    else this.router.reject(p, r.error);
  }

  /** Piscina failed a task: its thread exited (crash, hang kill, close). Every request the task held is answered. */
  #onTaskLost(tag: TaskTag, err: Error): void {
    const reason = this.#lostReason.get(tag.tid) ?? 'crashed';
    const error: SerializedError =
      reason === 'hung'
        ? { code: 'WORKER_HUNG', message: `actor '${this.name}' worker stopped responding and was replaced` }
        : reason === 'closed'
          ? { code: 'SHUTTING_DOWN', message: `actor '${this.name}' stopped` }
          : { code: 'WORKER_CRASHED', message: `actor '${this.name}' worker lost: ${err.message}` };
    for (const h of tag.handles) {
      const p = this.#inflight.get(h);
      if (!p) continue;
      this.#inflight.delete(h);
      this.router.reject(p, error);
    }
  }

  /** Router callback: the request settled (answered, timed out, or failed). */
  release(p: Pending): void {
    // Still listed means it settled without an answer (timeout): tell the workers to abandon it.
    if (this.#inflight.delete(p.handle)) {
      this.#cancels.push(p.handle);
      this.#scheduleFlush();
    }
    p.holder = null;
    this.#outstanding--;
    this.#drained.check(this.#outstanding, this.opts.maxQueue);
  }

  #watchThreads(): void {
    for (const w of this.#pool?.threads ?? []) {
      if (this.#watched.has(w)) continue;
      this.#watched.add(w);
      const tid = w.threadId;
      w.once('exit', (code) => this.#onExit(w, tid, code));
    }
  }

  #onEvent(e: WorkerEvent): void {
    switch (e.t) {
      case 'hello': {
        const s = this.slots[e.slot]!;
        s.tid = e.tid;
        s.worker = this.#pool!.threads.find((w) => w.threadId === e.tid) ?? null;
        s.control = e.port;
        s.state = 'ready';
        s.lastBeat = Date.now();
        s.consecutiveFailures = 0;
        s.killReason = null;
        this.#watchThreads();
        this.#onSlotChange?.();
        break;
      }
      case 'init-failed': {
        // The thread dies next. Piscina announces threads only once they are ready, so a
        // failed boot is settled here: free the slot it claimed, count the failure.
        const s = this.slots[e.slot]!;
        Atomics.store(this.#slotFlags, s.index, 0);
        Atomics.notify(this.#slotFlags, 0);
        s.consecutiveFailures++;
        if (s.state !== 'starting') s.state = 'restarting';
        this.#lastError = `${e.error.code}: ${e.error.message}`;
        this.log.error({ slot: e.slot, error: e.error }, 'actor create() failed');
        this.#onSlotChange?.();
        break;
      }
      case 'beat': {
        const s = this.slots.find((x) => x.tid === e.tid);
        if (s) s.lastBeat = Date.now();
        break;
      }
      case 'pub':
        this.emit('publish', e.topic, e.data);
        break;
      case 'closed':
        break;
    }
  }

  #onExit(w: Worker, tid: number, code: number): void {
    this.#watched.delete(w);
    const s = this.slots.find((x) => x.tid === tid);
    const stopping = this.slots.every((x) => x.state === 'closed');
    const reason = stopping ? 'closed' : (s?.killReason ?? 'crashed');
    this.#lostReason.set(tid, reason);
    // The tasks piscina fails for this thread settle after this listener; the reason is looked up then.
    setTimeout(() => this.#lostReason.delete(tid), 1000).unref();
    if (!s) return; // not a thread that said hello: a failed boot, settled at init-failed
    Atomics.store(this.#slotFlags, s.index, 0);
    Atomics.notify(this.#slotFlags, 0);
    s.tid = -1;
    s.worker = null;
    s.control = null;
    s.killReason = null;
    if (stopping) return;
    s.state = 'restarting';
    s.consecutiveFailures++;
    s.restarts++;
    this.restartsTotal++;
    if (reason === 'crashed' && !this.#lastError) this.#lastError = `worker exited with code ${code}`;
    this.log.error({ slot: s.index, code, reason }, 'actor worker lost; piscina replaces it');
  }

  #checkHeartbeats(): void {
    const now = Date.now();
    for (const s of this.slots) {
      if (s.state === 'ready' && s.worker && now - s.lastBeat > this.opts.hangTimeoutMs) {
        s.killReason = 'hung';
        void s.worker.terminate();
      }
    }
  }

  async stop(deadline: number): Promise<void> {
    while (this.#outstanding > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.#watchdog) clearInterval(this.#watchdog);
    const pool = this.#pool;
    if (!pool) return;
    const closed = new Promise<void>((resolve) => {
      let left = this.slots.filter((s) => s.control).length;
      if (left === 0) resolve();
      pool.on('message', (e: WorkerEvent) => {
        if (e.t === 'closed' && --left === 0) resolve();
      });
    });
    for (const s of this.slots) s.control?.postMessage({ t: 'close' } satisfies ControlMessage);
    await Promise.race([closed, new Promise((r) => setTimeout(r, Math.max(1000, deadline - Date.now())).unref())]);
    for (const s of this.slots) s.state = 'closed';
    await pool.destroy();
  }

  setLogLevel(level: string): void {
    this.log.level = level;
    this.#boot.logLevel = level; // piscina hands workerData to every thread it starts later
    for (const s of this.slots) s.control?.postMessage({ t: 'log-level', level } satisfies ControlMessage);
  }

  snapshot(): ActorSnapshot {
    return {
      name: this.name,
      kind: `${this.def.kind} (piscina, per ${this.opts.mode === 'batch' ? 'batch' : 'request'})`,
      methods: [...this.methods],
      outstanding: this.#outstanding,
      maxQueue: this.opts.maxQueue,
      restarts: this.restartsTotal,
      lateReplies: this.lateReplies,
      workers: this.slots.map((s) => ({
        index: s.index,
        state: s.state,
        inflight: 0,
        restarts: s.restarts,
        pinnedKeys: s.pinnedKeys,
        stats: null,
      })),
    };
  }
}
