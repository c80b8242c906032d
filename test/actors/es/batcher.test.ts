import { describe, expect, it } from 'vitest';
import { BulkBatcher } from '../../../actors/es/batcher.ts';
import { prng } from '../../helpers/prng.ts';

interface Op {
  key: string;
  bytes: number;
  n: number;
}
let seq = 0;
const op = (key: string, bytes = 10): Op => ({ key, bytes, n: seq++ });
const ns = (ops: Op[] | null): number[] => (ops ?? []).map((o) => o.n);

describe('BulkBatcher', () => {
  it('cuts by count; holds a partial bulk unless forced', () => {
    seq = 0;
    const b = new BulkBatcher<Op>({ maxActions: 3, maxBytes: 1e6 });
    b.add(op('a'));
    b.add(op('b'));
    expect(b.take(false)).toBeNull();
    b.add(op('c'));
    b.add(op('d'));
    expect(ns(b.take(false))).toEqual([0, 1, 2]);
    expect(b.take(false)).toBeNull();
    expect(ns(b.take(true))).toEqual([3]);
  });

  it('cuts by bytes; an oversized operation still goes alone', () => {
    seq = 0;
    const b = new BulkBatcher<Op>({ maxActions: 100, maxBytes: 100 });
    b.add(op('a', 60));
    b.add(op('b', 60));
    b.add(op('c', 500));
    expect(b.full).toBe(true);
    expect(ns(b.take(false))).toEqual([0]);
    expect(ns(b.take(true))).toEqual([1]);
    expect(ns(b.take(true))).toEqual([2]);
    expect(b.bytes).toBe(0);
  });

  it('never puts a document in two bulks at once, keeps its order, lets others pass', () => {
    seq = 0;
    const b = new BulkBatcher<Op>({ maxActions: 2, maxBytes: 1e6 });
    b.add(op('x')); // 0
    b.add(op('y')); // 1
    const first = b.take(true)!;
    expect(ns(first)).toEqual([0, 1]);
    b.add(op('x')); // 2 waits for bulk 1
    b.add(op('z')); // 3 may go
    b.add(op('x')); // 4 waits behind 2
    b.add(op('w')); // 5 may go
    expect(ns(b.take(true))).toEqual([3, 5]);
    expect(b.take(true)).toBeNull(); // only x left, and x is in flight
    b.release(first);
    expect(ns(b.take(true))).toEqual([2, 4]); // same document twice in one bulk, in order
  });

  it('an operation that does not fit the byte cap blocks its own document, not others', () => {
    seq = 0;
    const b = new BulkBatcher<Op>({ maxActions: 10, maxBytes: 100 });
    b.add(op('a', 50)); // 0
    b.add(op('b', 80)); // 1 too big for this bulk
    b.add(op('b', 10)); // 2 must not overtake 1
    b.add(op('c', 10)); // 3 fits
    expect(ns(b.take(true))).toEqual([0, 3]);
    expect(ns(b.take(true))).toEqual([1, 2]);
  });

  it('random workload: per-key order holds across concurrent bulks (seeded)', () => {
    let s = 99;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const b = new BulkBatcher<Op>({ maxActions: 7, maxBytes: 200 });
    const applied = new Map<string, number[]>();
    const inflight: Op[][] = [];
    seq = 0;
    for (let step = 0; step < 5000; step++) {
      const r = rand();
      if (r < 0.6) b.add(op(`k${Math.floor(rand() * 20)}`, 1 + Math.floor(rand() * 40)));
      else if (r < 0.8 && inflight.length < 4) {
        const t = b.take(rand() < 0.5);
        if (t) inflight.push(t);
      } else if (inflight.length > 0) {
        const done = inflight.splice(Math.floor(rand() * inflight.length), 1)[0]!;
        for (const o of done) applied.set(o.key, [...(applied.get(o.key) ?? []), o.n]);
        b.release(done);
      }
    }
    for (const list of applied.values()) expect(list).toEqual([...list].sort((x, y) => x - y));
  });

  it('random adds, takes and releases: every operation goes once, one document at a time, in order', () => {
    const rand = prng(7);
    seq = 0;
    const b = new BulkBatcher<Op>({ maxActions: 50, maxBytes: 700 });
    const added = new Map<string, number[]>();
    const sent = new Map<string, number[]>();
    const inFlight: Op[][] = [];
    const flying = new Set<string>();
    for (let step = 0; step < 20_000; step++) {
      const r = rand();
      if (r < 0.6) {
        // Mostly distinct documents (the fast path), sometimes a hot one.
        const o = op(rand() < 0.2 ? `hot${Math.floor(rand() * 5)}` : `d${seq}`, 1 + Math.floor(rand() * 40));
        (added.get(o.key) ?? added.set(o.key, []).get(o.key)!).push(o.n);
        b.add(o);
      } else if (r < 0.85) {
        const bulk = b.take(rand() < 0.5);
        if (!bulk) continue;
        const keys = new Set<string>();
        for (const o of bulk) {
          // Several operations on one document may share a bulk (applied in order there), never two bulks.
          expect(flying.has(o.key)).toBe(false);
          keys.add(o.key);
          (sent.get(o.key) ?? sent.set(o.key, []).get(o.key)!).push(o.n);
        }
        for (const k of keys) flying.add(k);
        inFlight.push(bulk);
      } else if (inFlight.length > 0) {
        const bulk = inFlight.splice(Math.floor(rand() * inFlight.length), 1)[0]!;
        for (const o of bulk) flying.delete(o.key);
        b.release(bulk);
      }
    }
    for (;;) {
      for (const bulk of inFlight.splice(0)) b.release(bulk);
      const bulk = b.take(true);
      if (!bulk) break;
      for (const o of bulk) (sent.get(o.key) ?? sent.set(o.key, []).get(o.key)!).push(o.n);
      inFlight.push(bulk);
    }
    expect(b.size).toBe(0);
    expect(b.bytes).toBe(0);
    expect(sent).toEqual(added);
  });
});

