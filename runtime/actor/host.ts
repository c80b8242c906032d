import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ActorDefinition } from './api.ts';
import { decodeBody } from '../codec/body/body-codec.ts';
import { BodyFormat } from '../codec/body/formats.ts';
import { readReplies } from './batch.ts';
import { DrainSignal } from './drain-signal.ts';
import type { WorkerStats, WorkerToMain } from './messages.ts';
import type { ActorRuntime } from './runtime.ts';
import { WorkerSlot } from './worker-slot.ts';
import { OutriggerError, serializeError, type SerializedError } from '../errors/error.ts';
import { topLevelString } from '../codec/json-envelope.ts';
import type { Pending, PendingHolder } from '../router/pending.ts';
import type { Router } from '../router/router.ts';

export interface ActorHostOptions {
  /** file URL of the actor module */
  module: string;
  workers: number;
  maxQueue: number;
  options: unknown;
  logLevel: string;
  heartbeatMs: number;
  hangTimeoutMs: number;
  restartBackoffMs: { initial: number; max: number };
}

const CRASH_LOOP_FAILURES = 3;

/**
 * Main-thread owner of one actor: spreads requests over its worker slots
 * (pooled: least loaded; pinned: by key), bounds the queue, and restarts
 * crashed or hung workers with backoff.
 */
export class ActorHost extends EventEmitter implements ActorRuntime, PendingHolder {
  readonly name: string;
  readonly slots: WorkerSlot[] = [];
  readonly methods: readonly string[];
  #outstanding = 0;
  #nextHandle = 1;
  readonly #keyToSlot = new Map<string, WorkerSlot>();
  readonly #drained = new DrainSignal();
  readonly #readyWaiters = new Set<() => void>();
  #watchdog: NodeJS.Timeout | null = null;
  restartsTotal = 0;
  lateReplies = 0;

  constructor(
    readonly def: ActorDefinition,
    readonly opts: ActorHostOptions,
    readonly router: Router,
    readonly log: Logger,
  ) {
    super();
    this.name = def.name;
    this.methods = def.methods;
    const boot = {
      actorModule: opts.module,
      actorName: def.name,
      options: opts.options,
      logLevel: opts.logLevel,
      heartbeatMs: opts.heartbeatMs,
    };
    const events = {
      message: (slot: WorkerSlot, msg: WorkerToMain) => this.#onMessage(slot, msg),
      exit: (slot: WorkerSlot, code: number, reason: 'crashed' | 'hung' | 'closed') => this.#onExit(slot, code, reason),
    };
    for (let i = 0; i < Math.max(1, opts.workers); i++) this.slots.push(new WorkerSlot(i, boot, events));
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  get saturated(): boolean {
    return this.#outstanding >= this.opts.maxQueue;
  }

  get ready(): boolean {
    return this.slots.some((s) => s.state === 'ready');
  }

  /** Calls `fn` once when the queue falls to half its bound. */
  onDrain(fn: () => void): void {
    this.#drained.add(fn);
  }

  async start(): Promise<void> {
    for (const s of this.slots) s.spawn();
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const failed = this.slots.find((s) => s.consecutiveFailures > 0 && s.state !== 'ready');
        if (failed) {
          this.#readyWaiters.delete(check);
          reject(new OutriggerError('ACTOR_UNAVAILABLE', `actor '${this.name}' failed to start: ${this.#lastError}`));
        } else if (this.slots.every((s) => s.state === 'ready')) {
          this.#readyWaiters.delete(check);
          resolve();
        }
      };
      this.#readyWaiters.add(check);
    });
    this.#watchdog = setInterval(() => this.#checkHeartbeats(), this.opts.heartbeatMs);
    this.#watchdog.unref();
  }

  #lastError = '';

  /** The request's pin key: one member read from a JSON body when the actor names it, else pinKey on the decoded params. */
  #pinKeyOf(methodIndex: number, format: BodyFormat, body: Uint8Array): string {
    const method = this.methods[methodIndex]!;
    if (format === BodyFormat.JSON && this.def.pinField) {
      const key = topLevelString(body, this.def.pinField(method));
      if (key) return key;
    }
    return this.def.pinKey!(method, decodeBody(format, body));
  }

  submit(p: Pending, methodIndex: number, body: Uint8Array, traceparent: string | undefined): void {
    let key: string | undefined;
    let slot: WorkerSlot;
    // With one worker every key lands on it anyway: skip the main-thread parse
    // of the params and let the worker derive call.key from what it decodes.
    if (this.def.kind === 'pinned' && this.slots.length > 1) {
      try {
        key = this.#pinKeyOf(methodIndex, p.format, body);
      } catch (err) {
        const e = serializeError(err);
        this.router.reject(p, { code: e.code === 'ACTOR_ERROR' ? 'INVALID_PARAMS' : e.code, message: e.message });
        return;
      }
      slot = this.#slotForKey(key);
    } else slot = this.#leastLoaded();
    if (slot.state === 'backoff' && slot.consecutiveFailures >= CRASH_LOOP_FAILURES) {
      this.router.reject(p, {
        code: 'ACTOR_UNAVAILABLE',
        message: `actor '${this.name}' is restarting after repeated failures: ${this.#lastError}`,
      });
      return;
    }
    p.handle = this.#nextHandle;
    this.#nextHandle = this.#nextHandle === 0xffffffff ? 1 : this.#nextHandle + 1;
    p.holder = this;
    p.slot = slot.index;
    this.#outstanding++;
    slot.enqueue(p, methodIndex, key, traceparent, body);
  }

  #leastLoaded(): WorkerSlot {
    let best = this.slots[0]!;
    if (this.slots.length === 1) return best;
    for (const s of this.slots) {
      if (s.state === 'ready' && (best.state !== 'ready' || s.inflight.size < best.inflight.size)) best = s;
    }
    return best;
  }

  #slotForKey(key: string): WorkerSlot {
    let slot = this.#keyToSlot.get(key);
    if (!slot) {
      slot = this.slots.reduce((a, b) => (b.pinnedKeys < a.pinnedKeys ? b : a));
      slot.pinnedKeys++;
      this.#keyToSlot.set(key, slot);
    }
    return slot;
  }

  /** Router callback: the request settled (answered, timed out, or failed). */
  release(p: Pending): void {
    const slot = this.slots[p.slot]!;
    // Still listed means it settled without a worker reply (timeout): tell
    // the worker to abandon it so a late result is not sent back.
    if (slot.inflight.delete(p.handle)) slot.cancel(p.handle);
    p.holder = null;
    this.#outstanding--;
    this.#drained.check(this.#outstanding, this.opts.maxQueue);
  }

  #onMessage(slot: WorkerSlot, msg: WorkerToMain): void {
    if (msg instanceof ArrayBuffer) {
      this.#onReplies(slot, msg);
      return;
    }
    switch (msg.t) {
      case 'beat':
        slot.lastBeat = Date.now();
        slot.stats = msg.stats;
        this.emit('beat', slot, msg.stats);
        break;
      case 'ready':
        slot.consecutiveFailures = 0;
        slot.markReady(Date.now());
        this.log.debug({ slot: slot.index }, 'worker ready');
        for (const fn of [...this.#readyWaiters]) fn();
        break;
      case 'init-failed':
        this.#lastError = `${msg.error.code}: ${msg.error.message}`;
        this.log.error({ slot: slot.index, error: msg.error }, 'actor create() failed');
        slot.kill(null);
        break;
      case 'pub':
        this.emit('publish', msg.topic, msg.data);
        break;
      case 'closed':
        slot.kill(null);
        break;
    }
  }

  #onReplies(slot: WorkerSlot, buf: ArrayBuffer): void {
    readReplies(buf, (handle, isError, bytes) => {
      const p = slot.inflight.get(handle);
      if (!p) {
        this.lateReplies++;
        this.router.stats.lateReplies++;
        return;
      }
      slot.inflight.delete(handle);
      if (isError) this.router.reject(p, JSON.parse(bytes.utf8Slice()) as SerializedError);
      else this.router.resolve(p, bytes);
    });
  }

  #onExit(slot: WorkerSlot, code: number, reason: 'crashed' | 'hung' | 'closed'): void {
    slot.discardUnsent();
    if (reason !== 'closed') {
      const error: SerializedError =
        reason === 'hung'
          ? { code: 'WORKER_HUNG', message: `actor '${this.name}' worker ${slot.index} stopped responding and was replaced` }
          : { code: 'WORKER_CRASHED', message: `actor '${this.name}' worker ${slot.index} exited (code ${code})` };
      if (reason === 'crashed' && !this.#lastError) this.#lastError = `worker exited with code ${code}`;
      this.#failInflight(slot, error);
      slot.consecutiveFailures++;
      slot.restarts++;
      this.restartsTotal++;
      const delay = Math.min(
        this.opts.restartBackoffMs.max,
        this.opts.restartBackoffMs.initial * 2 ** Math.max(0, slot.consecutiveFailures - 1),
      );
      this.log.error({ slot: slot.index, code, reason, restartInMs: delay }, 'actor worker lost');
      for (const fn of [...this.#readyWaiters]) fn();
      setTimeout(() => {
        if (slot.state === 'backoff') slot.spawn();
      }, delay).unref();
    } else {
      this.#failInflight(slot, { code: 'SHUTTING_DOWN', message: `actor '${this.name}' stopped` });
    }
  }

  #failInflight(slot: WorkerSlot, error: SerializedError): void {
    const lost = [...slot.inflight.values()];
    slot.inflight.clear();
    for (const p of lost) this.router.reject(p, error);
  }

  #checkHeartbeats(): void {
    const now = Date.now();
    for (const s of this.slots) {
      if (s.state === 'ready' && now - s.lastBeat > this.opts.hangTimeoutMs) s.kill('hung');
    }
  }

  /** Stops the workers once nothing is outstanding or the deadline passes. */
  async stop(deadline: number): Promise<void> {
    while (this.#outstanding > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.#watchdog) clearInterval(this.#watchdog);
    const exits = this.slots.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.worker) return resolve();
          s.worker.once('exit', () => resolve());
          s.close();
          setTimeout(() => s.kill(null), Math.max(1000, deadline - Date.now())).unref();
        }),
    );
    for (const s of this.slots) if (!s.worker) s.state = 'closed';
    await Promise.all(exits);
  }

  /** Hot reload: workers switch level now, and restarted workers boot with it. */
  setLogLevel(level: string): void {
    this.log.level = level;
    for (const s of this.slots) s.setLogLevel(level);
  }

  snapshot(): ActorSnapshot {
    return {
      name: this.name,
      kind: this.def.kind,
      methods: [...this.methods],
      outstanding: this.#outstanding,
      maxQueue: this.opts.maxQueue,
      restarts: this.restartsTotal,
      lateReplies: this.lateReplies,
      workers: this.slots.map((s) => ({
        index: s.index,
        state: s.state,
        inflight: s.inflight.size,
        restarts: s.restarts,
        pinnedKeys: s.pinnedKeys,
        stats: s.stats,
      })),
    };
  }
}

export interface ActorSnapshot {
  name: string;
  kind: string;
  methods: string[];
  outstanding: number;
  maxQueue: number;
  restarts: number;
  lateReplies: number;
  workers: {
    index: number;
    state: string;
    inflight: number;
    restarts: number;
    pinnedKeys: number;
    stats: WorkerStats | null;
  }[];
  /** Inline actors only: counts of requests run on the main thread. */
  inline?: { handled: number; failed: number };
}
