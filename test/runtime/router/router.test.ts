import { describe, expect, it } from 'vitest';
import { BodyFormat } from '../../../runtime/codec/body/formats.ts';
import type { SerializedError } from '../../../runtime/errors/error.ts';
import type { Pending, PendingHolder, ReplySink } from '../../../runtime/router/pending.ts';
import { ALL_GRANTS } from '../../../runtime/router/policy.ts';
import { Router } from '../../../runtime/router/router.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

class Sink implements ReplySink {
  open = true;
  grants = ALL_GRANTS;
  results: [unknown, string][] = [];
  errors: [unknown, SerializedError][] = [];
  resolve(p: Pending, r: Uint8Array): void {
    this.results.push([p.token, Buffer.from(r).toString()]);
  }
  reject(p: Pending, e: SerializedError): void {
    this.errors.push([p.token, e]);
  }
}

function setup(methodTimeoutsMs: Record<string, number> = {}) {
  const clock = new FakeClock();
  const router = new Router({ defaultTimeoutMs: 1000, methodTimeoutsMs, overflow: 'pause', clock });
  // A main-thread route that never answers on its own, so the test drives replies.
  const held: Pending[] = [];
  router.registerMain('t.hold', () => new Promise(() => {}));
  router.registerMain('t.now', (params) => ({ echoed: params }));
  const sink = new Sink();
  const dispatch = (method: string, token: unknown, timeoutMs?: number) => {
    const pending = router.dispatch(sink, token, method, BodyFormat.JSON, Buffer.from('1'), { timeoutMs });
    held.push(pending);
    return pending;
  };
  return { clock, router, sink, dispatch, held };
}

describe('router', () => {
  it('answers unknown methods with UNKNOWN_METHOD at once', () => {
    const { sink, dispatch, router } = setup();
    dispatch('no.such', 'a');
    expect(sink.errors).toEqual([['a', { code: 'UNKNOWN_METHOD', message: "unknown method 'no.such'" }]]);
    expect(router.inflight).toBe(0);
  });

  it('times out with TIMEOUT, then drops and counts the late reply', () => {
    const { clock, router, sink, dispatch } = setup();
    const p = dispatch('t.hold', 'slow');
    clock.advance(999);
    expect(sink.errors).toHaveLength(0);
    clock.advance(2);
    expect(sink.errors[0]![1].code).toBe('TIMEOUT');
    expect(router.stats.timeouts).toBe(1);
    router.resolve(p, Buffer.from('"late"'));
    expect(sink.results).toHaveLength(0);
    expect(router.stats.lateReplies).toBe(1);
    expect(router.inflight).toBe(0);
  });

  it('applies per-method and per-request deadlines', () => {
    const { clock, sink, dispatch } = setup({ 't.hold': 100 });
    dispatch('t.hold', 'method-override');
    dispatch('t.hold', 'request-override', 50);
    clock.advance(60);
    expect(sink.errors.map((e) => e[0])).toEqual(['request-override']);
    clock.advance(50);
    expect(sink.errors.map((e) => e[0])).toEqual(['request-override', 'method-override']);
  });

  it('delivers exactly once: a second reply is dropped and counted', () => {
    const { router, sink, dispatch } = setup();
    const p = dispatch('t.hold', 'x');
    router.resolve(p, Buffer.from('1'));
    router.reject(p, { code: 'ACTOR_ERROR', message: 'again' });
    expect(sink.results).toEqual([['x', '1']]);
    expect(sink.errors).toHaveLength(0);
    expect(router.stats.lateReplies).toBe(1);
  });

  it('answers REPLY_TOO_LARGE for a result larger than maxReplyBytes, and the same result once the cap allows it', () => {
    const { router, sink, dispatch } = setup();
    router.opts.maxReplyBytes = 4;
    const p = dispatch('t.hold', 'big');
    router.resolve(p, Buffer.from('12345'));
    expect(sink.results).toHaveLength(0);
    expect(sink.errors).toEqual([['big', { code: 'REPLY_TOO_LARGE', message: "the result of 't.hold' is 5 bytes encoded; at most 4 (requests.maxReplyBytes)", data: { bytes: 5, limit: 4 } }]]);
    expect(router.stats.errorsByCode.get('REPLY_TOO_LARGE')).toBe(1);
    expect(router.inflight).toBe(0);
    router.opts.maxReplyBytes = 5;
    router.resolve(dispatch('t.hold', 'fits'), Buffer.from('12345'));
    expect(sink.results).toEqual([['fits', '12345']]);
  });

  it('drops and counts replies whose connection is gone', () => {
    const { router, sink, dispatch } = setup();
    const p = dispatch('t.hold', 'x');
    sink.open = false;
    router.resolve(p, Buffer.from('1'));
    expect(sink.results).toHaveLength(0);
    expect(router.stats.orphanReplies).toBe(1);
    expect(router.inflight).toBe(0);
  });

  it('tells the holder once when a request settles, including on timeout', () => {
    const { clock, dispatch } = setup();
    const released: string[] = [];
    const holder: PendingHolder = { release: (p) => released.push(p.token as string), saturated: false, onDrain: () => {} };
    const a = dispatch('t.hold', 'a');
    const b = dispatch('t.hold', 'b');
    a.holder = holder;
    b.holder = holder;
    clock.advance(2000);
    expect(released.sort()).toEqual(['a', 'b']);
  });

  it('runs main-thread routes and encodes their results in the request format', async () => {
    const { sink, dispatch } = setup();
    dispatch('t.now', 'm');
    await new Promise((r) => setImmediate(r));
    expect(sink.results).toEqual([['m', '{"echoed":1}']]);
  });

  it('refuses new work with SHUTTING_DOWN while draining', () => {
    const { router, sink, dispatch } = setup();
    router.startDraining();
    dispatch('t.now', 'd');
    expect(sink.errors[0]![1].code).toBe('SHUTTING_DOWN');
  });
});
