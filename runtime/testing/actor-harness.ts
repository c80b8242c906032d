import type { ActorDefinition, ActorInstance, CallContext } from '../actor/api.ts';
import { OutriggerError, serializeError } from '../errors/error.ts';
import { createLogger } from '../log.ts';

export interface HarnessCallOptions {
  key?: string;
  timeoutMs?: number;
  traceparent?: string;
}

export interface ActorHarness {
  /** Calls a handler as the daemon would: params and result go through JSON, errors keep their code. */
  call(method: string, params?: unknown, opts?: HarnessCallOptions): Promise<unknown>;
  /** Everything the actor published with ctx.publish(). */
  readonly published: { topic: string; data: unknown }[];
  close(): Promise<void>;
}

/**
 * Runs an actor in the current thread for fast unit tests of its handlers.
 * For the full path (sockets, routing, worker threads) use a real daemon.
 */
export async function createActorHarness<M extends string, O>(
  def: ActorDefinition<M, O>,
  options?: unknown,
  workerIndex = 0,
): Promise<ActorHarness> {
  const published: { topic: string; data: unknown }[] = [];
  const instance: ActorInstance<M> = await def.create({
    actor: def.name,
    workerIndex,
    options: (def.parseOptions ? def.parseOptions(options) : options) as O,
    log: createLogger('silent'),
    publish: (topic, data) => published.push({ topic, data: structuredClone(data) }),
  });
  return {
    published,
    async call(method, params, opts = {}) {
      if (!(def.methods as readonly string[]).includes(method)) {
        throw new OutriggerError('UNKNOWN_METHOD', `unknown method '${def.name}.${method}'`);
      }
      const wireParams = params === undefined ? undefined : JSON.parse(JSON.stringify(params));
      const key = opts.key ?? (def.pinKey ? def.pinKey(method as M, wireParams) : undefined);
      const controller = new AbortController();
      const timeoutMs = opts.timeoutMs ?? 30_000;
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const call: CallContext = {
        method,
        deadline: Date.now() + timeoutMs,
        signal: controller.signal,
        key,
        traceparent: opts.traceparent,
      };
      try {
        const result = await instance.handlers[method as M](wireParams, call);
        return result === undefined ? null : JSON.parse(JSON.stringify(result));
      } catch (err) {
        const s = serializeError(err);
        throw new OutriggerError(s.code, s.message, s.data);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await instance.close?.();
    },
  };
}
