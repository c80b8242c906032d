import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ActorDefinition } from './api.ts';
import { DrainSignal } from './drain-signal.ts';
import { ActorExecutor } from './executor.ts';
import type { ActorRuntime, ActorSnapshot } from './runtime.ts';
import type { SerializedError } from '../errors/error.ts';
import type { Pending, PendingHolder, Settler } from '../router/pending.ts';

/**
 * Runs an actor's handlers on the main thread through the same executor as
 * a worker: no thread hop, but a slow handler blocks every listener. Meant
 * for methods whose work is smaller than the hop itself, and as the bench's
 * inline ceiling.
 */
export class InlineHost extends EventEmitter implements ActorRuntime, PendingHolder {
  readonly name: string;
  readonly methods: readonly string[];
  readonly restartsTotal = 0;
  #executor: ActorExecutor | null = null;
  #close: (() => Promise<void> | void) | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextHandle = 1;
  readonly #drained = new DrainSignal();

  constructor(
    readonly def: ActorDefinition,
    readonly opts: { maxQueue: number; options: unknown },
    readonly settler: Settler,
    readonly log: Logger,
  ) {
    super();
    this.name = def.name;
    this.methods = def.methods;
  }

  get outstanding(): number {
    return this.#pending.size;
  }

  get saturated(): boolean {
    return this.#pending.size >= this.opts.maxQueue;
  }

  get queueLimit(): number {
    return this.opts.maxQueue;
  }

  get ready(): boolean {
    return this.#executor !== null;
  }

  onDrain(fn: () => void): void {
    this.#drained.add(fn);
  }

  async start(): Promise<void> {
    const instance = await this.def.create({
      actor: this.name,
      workerIndex: 0,
      options: this.def.parseOptions ? this.def.parseOptions(this.opts.options) : this.opts.options,
      log: this.log,
      publish: (topic, data) => this.emit('publish', topic, data),
    });
    this.#close = instance.close?.bind(instance);
    this.#executor = new ActorExecutor(this.def, instance.handlers, (handle, isError, bytes) => {
      const p = this.#pending.get(handle);
      if (!p) return;
      // Finished: release() below then has no handler to cancel.
      this.#pending.delete(handle);
      if (isError) this.settler.reject(p, JSON.parse(Buffer.from(bytes).utf8Slice()) as SerializedError);
      else this.settler.resolve(p, bytes);
    });
  }

  submit(p: Pending, methodIndex: number, body: Uint8Array, traceparent: string | undefined): void {
    p.handle = this.#nextHandle;
    this.#nextHandle = this.#nextHandle === 0xffffffff ? 1 : this.#nextHandle + 1;
    p.holder = this;
    this.#pending.set(p.handle, p);
    this.#executor!.submit(p.handle, methodIndex, p.format, p.deadline, undefined, traceparent, body, 0);
  }

  release(p: Pending): void {
    p.holder = null;
    // Settled while its handler was still running (a timeout): abort the handler.
    if (this.#pending.delete(p.handle)) this.#executor?.cancel(p.handle);
    this.#drained.check(this.#pending.size, this.opts.maxQueue);
  }

  async stop(deadline: number): Promise<void> {
    if (this.#pending.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.#drained.whenEmpty(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.#close?.();
  }

  setLogLevel(level: string): void {
    this.log.level = level;
  }

  #inlineStats(): NonNullable<ActorSnapshot['inline']> {
    const e = this.#executor;
    if (!e) return { handled: 0, failed: 0, runP50: 0, runP99: 0 };
    const { handled, failed, runP50, runP99 } = e.stats();
    return { handled, failed, runP50, runP99 };
  }

  snapshot(): ActorSnapshot {
    return {
      name: this.name,
      kind: `${this.def.kind} (inline)`,
      methods: [...this.methods],
      outstanding: this.#pending.size,
      maxQueue: this.opts.maxQueue,
      restarts: 0,
      lateReplies: 0,
      workers: [],
      inline: this.#inlineStats(),
    };
  }
}
