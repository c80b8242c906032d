import { defineActor } from '../../runtime/actor/api.ts';
import { OutriggerError } from '../../runtime/errors/error.ts';

interface CounterParams {
  name: string;
  by?: number;
}

function parseParams(params: unknown): CounterParams {
  const p = params as Partial<CounterParams> | null;
  if (!p || typeof p.name !== 'string' || p.name === '') {
    throw new OutriggerError('INVALID_PARAMS', 'params.name must be a non-empty string');
  }
  if (p.by !== undefined && !Number.isFinite(p.by)) throw new OutriggerError('INVALID_PARAMS', 'params.by must be a number');
  return { name: p.name, by: p.by ?? 1 };
}

/**
 * Example of a stateful (pinned) actor: each named counter lives in exactly
 * one worker, and every request for that name is routed there, so the
 * counter needs no locking. Copy this file to start a new actor.
 */
export default defineActor({
  name: 'example',
  kind: 'pinned',
  methods: ['incr', 'get', 'reset'],
  pinKey: (_method, params) => parseParams(params).name,
  // Lets the main thread read the key from a JSON body without decoding the rest.
  pinField: () => 'name',
  parseOptions: (raw) => {
    const o = (raw ?? {}) as { start?: unknown };
    if (o.start !== undefined && typeof o.start !== 'number') throw new Error('start must be a number');
    return { start: (o.start as number | undefined) ?? 0 };
  },
  create: (ctx) => {
    const counters = new Map<string, number>();
    const value = (name: string): number => counters.get(name) ?? ctx.options.start;
    return {
      handlers: {
        incr: (params) => {
          const { name, by } = parseParams(params);
          const next = value(name) + by!;
          counters.set(name, next);
          return { name, value: next, worker: ctx.workerIndex };
        },
        get: (params) => {
          const { name } = parseParams(params);
          return { name, value: value(name), worker: ctx.workerIndex };
        },
        reset: (params) => {
          const { name } = parseParams(params);
          counters.delete(name);
          return true;
        },
      },
      close: () => ctx.log.info({ counters: counters.size }, 'example actor closing'),
    };
  },
});
