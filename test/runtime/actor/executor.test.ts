import { describe, expect, it } from 'vitest';
import { defineActor, type CallContext } from '../../../runtime/actor/api.ts';
import { ActorExecutor } from '../../../runtime/actor/executor.ts';
import { BodyFormat } from '../../../runtime/codec/body/formats.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function setup(concurrency: number, handlers: Record<string, (p: unknown, c: CallContext) => unknown>) {
  const def = defineActor({ name: 't', kind: 'pooled', methods: Object.keys(handlers), concurrency, create: () => ({ handlers }) });
  const replies: { handle: number; error: boolean; value: unknown }[] = [];
  const ex = new ActorExecutor(def, handlers, (handle, error, bytes) =>
    replies.push({ handle, error, value: JSON.parse(Buffer.from(bytes).toString()) }),
  );
  const submit = (handle: number, method: string, params: unknown) =>
    ex.submit(handle, def.methods.indexOf(method), BodyFormat.JSON, Date.now() + 1000, undefined, undefined, json(params), 0);
  return { ex, replies, submit };
}

describe('ActorExecutor', () => {
  it('answers sync handlers at once and keeps error codes', () => {
    const { replies, submit } = setup(4, {
      echo: (p) => p,
      fail: () => {
        throw Object.assign(new Error('nope'), { code: 'MY_CODE' });
      },
    });
    submit(1, 'echo', { a: 1 });
    submit(2, 'fail', null);
    expect(replies).toEqual([
      { handle: 1, error: false, value: { a: 1 } },
      { handle: 2, error: true, value: { code: 'MY_CODE', message: 'nope' } },
    ]);
  });

  it('queues beyond its concurrency in arrival order and drains as handlers finish', async () => {
    const gates: (() => void)[] = [];
    const { ex, replies, submit } = setup(2, {
      wait: () => new Promise<string>((r) => gates.push(() => r('done'))),
      echo: (p) => p,
    });
    submit(1, 'wait', null);
    submit(2, 'wait', null);
    for (let i = 3; i < 20_003; i++) submit(i, 'echo', i); // a deep queue of sync handlers must not recurse
    expect(ex.queued).toBe(20_000);
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(replies.map((r) => r.handle).slice(0, 3)).toEqual([1, 3, 4]);
    expect(replies.length).toBe(20_001);
    gates.shift()!();
    await ex.whenIdle();
    expect(replies.length).toBe(20_002);
  });

  it('aborts a cancelled handler and drops its late result', async () => {
    let signal: AbortSignal | null = null;
    let finish: () => void = () => {};
    const { ex, replies, submit } = setup(1, {
      slow: (_p, call) => {
        signal = call.signal;
        return new Promise<string>((r) => (finish = () => r('late')));
      },
      echo: (p) => p,
    });
    submit(1, 'slow', null);
    submit(2, 'echo', 'queued');
    ex.cancel(2); // a queued request is skipped
    ex.cancel(1);
    expect(signal!.aborted).toBe(true);
    finish();
    await ex.whenIdle();
    expect(replies).toEqual([]);
    expect(ex.stats()).toMatchObject({ abandoned: 2, lateResults: 1 });
  });
});
