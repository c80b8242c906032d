import { describe, expect, it } from 'vitest';
import { PartitionOffsets } from '../../../actors/kafka/offset-tracker.ts';
import { prng } from '../../helpers/prng.ts';

function filled(offsets: number[], startAt: number | null = null): PartitionOffsets<number> {
  const p = new PartitionOffsets<number>(startAt);
  for (const o of offsets) expect(p.accept(o, o)).toBe(true);
  return p;
}

function takeAll(p: PartitionOffsets<number>, max = 1_000_000): number[] {
  const out: number[] = [];
  p.take(max, out);
  return out;
}

describe('PartitionOffsets', () => {
  it('commits nothing before a record is seen, and the start position once seeked', () => {
    expect(new PartitionOffsets().commitPosition()).toBeNull();
    expect(new PartitionOffsets(42).commitPosition()).toBe(42);
  });

  it('hands out records in offset order, at most `max` at a time', () => {
    const p = filled([10, 11, 12, 13]);
    const a: number[] = [];
    expect(p.take(3, a)).toBe(3);
    expect(a).toEqual([10, 11, 12]);
    expect(takeAll(p)).toEqual([13]);
    expect(takeAll(p)).toEqual([]);
    expect(p.buffered).toBe(0);
    expect(p.unacked).toBe(4);
  });

  it('counts the bytes of buffered and unacknowledged records; an ack releases them, a redelivery buffers them again', () => {
    const p = new PartitionOffsets<number>(null, (o) => o * 10);
    for (const o of [1, 2, 3]) p.accept(o, o);
    expect([p.bytes, p.bufferedBytes]).toEqual([60, 60]);
    takeAll(p);
    expect([p.bytes, p.bufferedBytes]).toEqual([60, 0]);
    p.ack(2);
    expect([p.bytes, p.bufferedBytes]).toEqual([40, 0]);
    p.redeliver();
    expect([p.bytes, p.bufferedBytes]).toEqual([40, 40]);
    takeAll(p);
    p.ackDelivered();
    expect([p.bytes, p.bufferedBytes]).toEqual([0, 0]);
  });

  it('commits only the contiguous prefix: a received-but-unacked record is never skipped', () => {
    const p = filled([0, 1, 2, 3, 4]);
    takeAll(p);
    expect(p.ack(1)).toBe('acked');
    expect(p.ack(3)).toBe('acked');
    expect(p.ack(4)).toBe('acked');
    expect(p.commitPosition()).toBe(0); // offset 0 is still unacked
    expect(p.ack(0)).toBe('acked');
    expect(p.commitPosition()).toBe(2); // 2 is the next gap
    expect(p.ack(2)).toBe('acked');
    expect(p.commitPosition()).toBe(5);
    expect(p.held).toBe(0);
  });

  it('treats offset holes (compaction, transaction markers) as contiguous', () => {
    const p = filled([3, 7, 8, 20]);
    takeAll(p);
    p.ack(7);
    expect(p.commitPosition()).toBe(3);
    p.ack(3);
    expect(p.commitPosition()).toBe(20 - 12); // 8: first unacked
    p.ack(8);
    expect(p.commitPosition()).toBe(20);
    p.ack(20);
    expect(p.commitPosition()).toBe(21);
  });

  it('refuses to ack a record that was fetched but not received, and reports repeats and strangers', () => {
    const p = filled([0, 1]);
    const got: number[] = [];
    p.take(1, got);
    expect(p.ack(1)).toBe('not-delivered');
    expect(p.ack(0)).toBe('acked');
    expect(p.ack(0)).toBe('unknown'); // already left the window
    expect(p.ack(99)).toBe('unknown');
    takeAll(p);
    const q = filled([5, 6]);
    takeAll(q);
    q.ack(6);
    expect(q.ack(6)).toBe('already-acked');
  });

  it('ackDelivered acks exactly what was received, not what is still buffered', () => {
    const p = filled([0, 1, 2, 3]);
    const got: number[] = [];
    p.take(2, got);
    expect(p.ackDelivered()).toBe(2);
    expect(p.commitPosition()).toBe(2);
    expect(p.buffered).toBe(2);
    expect(takeAll(p)).toEqual([2, 3]);
  });

  it('drops refetched duplicates below the fetch position', () => {
    const p = filled([0, 1, 2]);
    expect(p.accept(1, 1)).toBe(false);
    expect(p.accept(2, 2)).toBe(false);
    expect(p.accept(3, 3)).toBe(true);
    expect(p.nextFetch).toBe(4);
    const started = new PartitionOffsets<number>(10);
    expect(started.accept(9, 9)).toBe(false);
    expect(started.accept(10, 10)).toBe(true);
  });

  it('redeliver puts unacked records back, in order, ahead of newer ones, and skips acked ones', () => {
    const p = filled([0, 1, 2, 3]);
    takeAll(p);
    p.ack(1);
    p.accept(4, 4);
    expect(p.redeliver()).toBe(3);
    expect(p.unacked).toBe(0);
    expect(takeAll(p)).toEqual([0, 2, 3, 4]);
    expect(p.commitPosition()).toBe(0);
  });

  it('redeliver(before) puts back only records handed out before that time; oldestUnacked names the earliest hand-out', () => {
    const p = filled([0, 1, 2, 3]);
    expect(p.oldestUnacked()).toBeNull();
    p.take(2, [], 100); // 0, 1 at t=100
    p.take(2, [], 200); // 2, 3 at t=200
    p.ack(0);
    expect(p.oldestUnacked()).toBe(100);
    expect(p.redeliver(150)).toBe(1); // only 1
    expect(p.unacked).toBe(2);
    expect(p.oldestUnacked()).toBe(200);
    const again: number[] = [];
    p.take(10, again, 300);
    expect(again).toEqual([1]);
    expect(p.oldestUnacked()).toBe(200);
    expect(p.redeliver(250)).toBe(2); // 2 and 3; 1 was handed out again at 300
    expect(p.commitPosition()).toBe(1);
  });

  it('pendingCommit reports a position only once it moves past the committed one', () => {
    const p = filled([0, 1]);
    takeAll(p);
    expect(p.pendingCommit()).toBe(0);
    p.markCommitted(0);
    expect(p.pendingCommit()).toBeNull();
    p.ack(0);
    expect(p.pendingCommit()).toBe(1);
    p.markCommitted(1);
    p.markCommitted(0); // stale confirmation never moves it back
    expect(p.committed).toBe(1);
    expect(p.pendingCommit()).toBeNull();
  });

  it('stays correct across window compaction (long runs)', () => {
    const p = new PartitionOffsets<number>();
    for (let o = 0; o < 5000; o++) p.accept(o, o);
    takeAll(p);
    for (let o = 1; o < 5000; o++) p.ack(o); // 0 stays unacked
    expect(p.commitPosition()).toBe(0);
    expect(p.held).toBe(5000);
    p.ack(0);
    expect(p.commitPosition()).toBe(5000);
    expect(p.held).toBe(0);
    for (let o = 5000; o < 8000; o++) p.accept(o, o);
    const got = takeAll(p, 2500);
    for (const o of got) p.ack(o);
    expect(p.commitPosition()).toBe(7500);
    expect(takeAll(p)).toEqual(Array.from({ length: 500 }, (_, i) => 7500 + i));
  });

  it('randomized: the commit position always equals the first unacked received offset (seeded)', () => {
    for (const seed of [1, 2, 3, 42, 1337]) {
      const rand = prng(seed);
      const p = new PartitionOffsets<number>();
      const acked = new Set<number>();
      const fetched: number[] = [];
      let next = 0;
      const delivered: number[] = [];
      for (let step = 0; step < 3000; step++) {
        const r = rand();
        if (r < 0.35) {
          next += 1 + Math.floor(rand() * 3); // holes allowed
          p.accept(next, next);
          fetched.push(next);
        } else if (r < 0.6) {
          p.take(1 + Math.floor(rand() * 5), delivered);
        } else if (r < 0.95 && delivered.length > 0) {
          const o = delivered[Math.floor(rand() * delivered.length)]!;
          const outcome = p.ack(o);
          expect(['acked', 'already-acked', 'unknown']).toContain(outcome);
          acked.add(o);
        } else if (r >= 0.95) {
          p.redeliver();
          delivered.length = 0;
          // Redelivered records are taken again before they can be acked.
        }
        const firstUnacked = fetched.find((o) => !acked.has(o));
        const expected = firstUnacked ?? (fetched.length > 0 ? fetched[fetched.length - 1]! + 1 : null);
        expect(p.commitPosition(), `seed ${seed} step ${step}`).toBe(expected);
      }
    }
  });
});
