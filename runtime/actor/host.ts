import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ActorDefinition } from './api.ts';
import { readReplies } from './batch.ts';
import { DrainSignal } from './drain-signal.ts';
import type { WorkerEvent } from './messages.ts';
import type { ActorRuntime, ActorSnapshot } from './runtime.ts';
import { SlotSelector } from './slot-selector.ts';
import { Supervisor, type SupervisionOptions } from './supervisor.ts';
import { type ExitReason, type HopSpin, WorkerSlot } from './worker-slot.ts';
import { decodeBody } from '../codec/body/body-codec.ts';
import { BodyFormat } from '../codec/body/formats.ts';
import { topLevelString } from '../codec/json-envelope.ts';
import { OutriggerError, pinKeyError, type SerializedError } from '../errors/error.ts';
import type { Pending, PendingHolder, Settler } from '../router/pending.ts';
import { MAIN_PARAMS_MAX_BYTES } from '../router/router.ts';

export interface ActorHostOptions extends SupervisionOptions {
  /** file URL of the actor module */
  module: string;
  workers: number;
  maxQueue: number;
  options: unknown;
  logLevel: string;
  /**
   * Start no worker until the first request (an actor with no work of its
   * own until called): an idle daemon does not pay a thread, an isolate and
   * the actor's modules for it. Its create() then runs on that request.
   */
  lazy?: boolean;
  /** Polling budgets of the worker hop (workers.spin); none: no polling. */
  spin?: HopSpin;
}

/**
 * Main-thread owner of one actor on worker threads: places each request on
 * a slot (slot-selector.ts), bounds the queue, matches replies to requests,
 * and keeps the workers alive (supervisor.ts).
 */
export class ActorHost extends EventEmitter implements ActorRuntime, PendingHolder {
  readonly name: string;
  readonly slots: WorkerSlot[] = [];
  readonly methods: readonly string[];
  #outstanding = 0;
  #nextHandle = 1;
  readonly #selector: SlotSelector<WorkerSlot>;
  readonly #supervisor: Supervisor<WorkerSlot>;
  readonly #drained = new DrainSignal();
  readonly #readyWaiters = new Set<() => void>();
  #lastError = '';
  restartsTotal = 0;
  lateReplies = 0;

  constructor(
    readonly def: ActorDefinition,
    readonly opts: ActorHostOptions,
    readonly settler: Settler,
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
      requestSpinMicros: opts.spin?.requestMicros ?? 0,
    };
    const events = {
      replies: (slot: WorkerSlot, batch: Uint8Array) => this.#onReplies(slot, batch),
      message: (slot: WorkerSlot, msg: WorkerEvent) => this.#onMessage(slot, msg),
      exit: (slot: WorkerSlot, code: number, reason: ExitReason) => this.#onExit(slot, code, reason),
    };
    for (let i = 0; i < Math.max(1, opts.workers); i++) this.slots.push(new WorkerSlot(i, boot, events, Supervisor.backoff(opts), opts.spin));
    this.#selector = new SlotSelector(this.slots);
    this.#supervisor = new Supervisor(this.slots, opts);
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

  /**
   * Some worker can take work now; or a lazy actor has not started yet, or is
   * in its first start (its first request waits for it): readiness does not
   * flap when an idle actor is first called. Once a start failed it is not
   * ready until a worker is.
   */
  get ready(): boolean {
    return this.slots.some((s) => s.ready || s.state === 'idle' || (this.opts.lazy === true && s.state === 'starting' && s.restartCount === 0));
  }

  /** Calls `fn` once when the queue falls to half its bound. */
  onDrain(fn: () => void): void {
    this.#drained.add(fn);
  }

  async start(): Promise<void> {
    this.#supervisor.watch();
    if (this.opts.lazy) {
      for (const s of this.slots) s.state = 'idle';
      return;
    }
    for (const s of this.slots) s.spawn();
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const failed = this.slots.find((s) => s.restarts.attempts > 0 && !s.ready);
        if (failed) {
          this.#readyWaiters.delete(check);
          reject(new OutriggerError('ACTOR_UNAVAILABLE', `actor '${this.name}' failed to start: ${this.#lastError}`));
        } else if (this.slots.every((s) => s.ready)) {
          this.#readyWaiters.delete(check);
          resolve();
        }
      };
      this.#readyWaiters.add(check);
    });
  }

  /** A lazy actor's first request: every slot starts; requests wait in their slot's batch until it is ready. */
  #wake(): void {
    for (const s of this.slots) if (s.state === 'idle') s.spawn();
  }

  /** The request's pin key: one member read from a JSON body when the actor names it, else pinKey on the decoded params. */
  #pinKeyOf(methodIndex: number, format: BodyFormat, body: Uint8Array): string {
    const method = this.methods[methodIndex]!;
    if (format === BodyFormat.JSON && this.def.pinField) {
      const key = topLevelString(body, this.def.pinField(method));
      if (key) return key;
    }
    // Decoding params here costs the thread every listener shares: only small bodies.
    if (body.length > MAIN_PARAMS_MAX_BYTES) {
      throw new OutriggerError(
        'INVALID_PARAMS',
        `params of ${body.length} bytes are too large to pick actor '${this.name}''s worker on the main thread (limit ${MAIN_PARAMS_MAX_BYTES}); send JSON with the key as a top-level member, or run the actor with one worker`,
      );
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
        this.settler.reject(p, pinKeyError(err));
        return;
      }
      slot = this.#selector.forKey(key);
    } else slot = this.#selector.leastLoaded();
    if (slot.state === 'idle') this.#wake();
    if (this.#supervisor.crashLooping(slot)) {
      this.settler.reject(p, {
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

  #onMessage(slot: WorkerSlot, msg: WorkerEvent): void {
    switch (msg.t) {
      case 'beat':
        slot.lastBeat = Date.now();
        slot.stats = msg.stats;
        this.emit('beat', slot.index, msg.stats);
        break;
      case 'ready':
        slot.markReady(Date.now());
        this.log.debug({ slot: slot.index }, 'worker ready');
        this.emit('worker-ready', slot.index, slot.restartCount > 0);
        for (const fn of [...this.#readyWaiters]) fn();
        break;
      case 'init-failed':
        this.#lastError = `${msg.error.code}: ${msg.error.message}`;
        this.log.error({ slot: slot.index, error: msg.error }, 'actor create() failed');
        slot.kill();
        break;
      case 'pub':
        this.emit('publish', msg.topic, msg.data);
        break;
      case 'closed':
        slot.kill();
        break;
    }
  }

  #onReplies(slot: WorkerSlot, buf: Uint8Array): void {
    readReplies(buf, (handle, isError, bytes) => {
      const p = slot.inflight.get(handle);
      if (!p) {
        this.lateReplies++;
        this.settler.late();
        return;
      }
      slot.inflight.delete(handle);
      if (isError) this.settler.reject(p, JSON.parse(bytes.utf8Slice()) as SerializedError);
      else this.settler.resolve(p, bytes);
    });
  }

  #onExit(slot: WorkerSlot, code: number, reason: ExitReason): void {
    slot.discardUnsent();
    if (reason === 'closed') {
      this.#failInflight(slot, { code: 'SHUTTING_DOWN', message: `actor '${this.name}' stopped` });
      return;
    }
    const error: SerializedError =
      reason === 'hung'
        ? { code: 'WORKER_HUNG', message: `actor '${this.name}' worker ${slot.index} stopped responding and was replaced` }
        : slot.failedToStart && this.#lastError
          ? // Requests a lazy actor's first start held learn why it could not serve them.
            { code: 'ACTOR_UNAVAILABLE', message: `actor '${this.name}' failed to start: ${this.#lastError}` }
          : { code: 'WORKER_CRASHED', message: `actor '${this.name}' worker ${slot.index} exited (code ${code})` };
    if (reason === 'crashed' && !this.#lastError) this.#lastError = `worker exited with code ${code}`;
    this.#failInflight(slot, error);
    slot.restartCount++;
    this.restartsTotal++;
    const delay = this.#supervisor.restartLater(slot);
    this.log.error({ slot: slot.index, code, reason, restartInMs: delay }, 'actor worker lost');
    this.emit('worker-lost', slot.index, reason);
    for (const fn of [...this.#readyWaiters]) fn();
  }

  #failInflight(slot: WorkerSlot, error: SerializedError): void {
    const lost = [...slot.inflight.values()];
    slot.inflight.clear();
    for (const p of lost) this.settler.reject(p, error);
  }

  /** Stops the workers once nothing is outstanding or the deadline passes. */
  async stop(deadline: number): Promise<void> {
    if (this.#outstanding > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.#drained.whenEmpty(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.#supervisor.stop();
    await Promise.all(this.slots.map((s) => s.closeBy(deadline)));
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
        restarts: s.restartCount,
        pinnedKeys: s.pinnedKeys,
        stats: s.stats,
      })),
    };
  }
}
