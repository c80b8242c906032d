import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ActorDefinition, ActorInstance, CallContext, Handler } from './api.ts';
import { decodeBody, encodeResult } from '../codec/body/body-codec.ts';
import { DrainSignal } from './drain-signal.ts';
import type { ActorSnapshot } from './host.ts';
import type { ActorRuntime } from './runtime.ts';
import { serializeError } from '../errors/error.ts';
import type { Pending, PendingHolder } from '../router/pending.ts';
import type { Router } from '../router/router.ts';

const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs an actor's handlers on the main thread: no thread hop, but a slow
 * handler blocks every listener. Meant for methods whose work is smaller
 * than the hop itself, and as the bench's inline ceiling.
 */
export class InlineHost extends EventEmitter implements ActorRuntime, PendingHolder {
  readonly name: string;
  readonly methods: readonly string[];
  readonly restartsTotal = 0;
  #instance: ActorInstance<string> | null = null;
  #handlers: Handler[] = [];
  #outstanding = 0;
  #handled = 0;
  #failed = 0;
  readonly #drained = new DrainSignal();

  constructor(
    readonly def: ActorDefinition,
    readonly opts: { maxQueue: number; options: unknown },
    readonly router: Router,
    readonly log: Logger,
  ) {
    super();
    this.name = def.name;
    this.methods = def.methods;
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  get saturated(): boolean {
    return this.#outstanding >= this.opts.maxQueue;
  }

  get ready(): boolean {
    return this.#instance !== null;
  }

  onDrain(fn: () => void): void {
    this.#drained.add(fn);
  }

  async start(): Promise<void> {
    this.#instance = await this.def.create({
      actor: this.name,
      workerIndex: 0,
      options: this.def.parseOptions ? this.def.parseOptions(this.opts.options) : this.opts.options,
      log: this.log,
      publish: (topic, data) => this.emit('publish', topic, data),
    });
    this.#handlers = this.def.methods.map((m) => this.#instance!.handlers[m]!);
  }

  submit(p: Pending, methodIndex: number, body: Uint8Array, traceparent: string | undefined): void {
    p.holder = this;
    this.#outstanding++;
    const call: CallContext = {
      method: this.methods[methodIndex]!,
      deadline: p.deadline,
      signal: NEVER_ABORTED,
      key: undefined,
      traceparent,
    };
    let result: unknown;
    try {
      result = this.#handlers[methodIndex]!(decodeBody(p.format, body), call);
    } catch (err) {
      this.#fail(p, err);
      return;
    }
    if (result instanceof Promise) result.then((v) => this.#succeed(p, v), (e) => this.#fail(p, e));
    else this.#succeed(p, result);
  }

  #succeed(p: Pending, value: unknown): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeResult(p.format, value);
    } catch (err) {
      this.#fail(p, err);
      return;
    }
    this.#handled++;
    this.router.resolve(p, bytes);
  }

  #fail(p: Pending, err: unknown): void {
    this.#failed++;
    this.router.reject(p, serializeError(err));
  }

  release(p: Pending): void {
    p.holder = null;
    this.#outstanding--;
    this.#drained.check(this.#outstanding, this.opts.maxQueue);
  }

  async stop(deadline: number): Promise<void> {
    while (this.#outstanding > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.#instance?.close?.();
  }

  setLogLevel(level: string): void {
    this.log.level = level;
  }

  snapshot(): ActorSnapshot {
    return {
      name: this.name,
      kind: `${this.def.kind} (inline)`,
      methods: [...this.methods],
      outstanding: this.#outstanding,
      maxQueue: this.opts.maxQueue,
      restarts: 0,
      lateReplies: 0,
      workers: [],
      inline: { handled: this.#handled, failed: this.#failed },
    };
  }
}
