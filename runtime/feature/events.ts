import { EventEmitter } from 'node:events';

/** An EventEmitter whose event names and argument lists are checked by the compiler. */
export class TypedEvents<M extends { [E in keyof M]: unknown[] }> {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Every feature and the metrics layer subscribe; the default warning at 10 is noise here.
    this.#emitter.setMaxListeners(100);
  }

  on<E extends keyof M & string>(event: E, fn: (...args: M[E]) => void): this {
    this.#emitter.on(event, fn as (...args: unknown[]) => void);
    return this;
  }

  once<E extends keyof M & string>(event: E, fn: (...args: M[E]) => void): this {
    this.#emitter.once(event, fn as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof M & string>(event: E, fn: (...args: M[E]) => void): this {
    this.#emitter.off(event, fn as (...args: unknown[]) => void);
    return this;
  }

  emit<E extends keyof M & string>(event: E, ...args: M[E]): boolean {
    return this.#emitter.emit(event, ...args);
  }
}
