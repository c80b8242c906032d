import { describe, expect, it } from 'vitest';
import { RecordBuffer } from '../../../actors/kafka/record-buffer.ts';

type Rec = { p: number; o: number };

function fill(b: RecordBuffer<Rec>, topic: string, partition: number, from: number, count: number): void {
  for (let o = from; o < from + count; o++) b.accept(topic, partition, o, { p: partition, o });
}

describe('RecordBuffer', () => {
  it('accepts records only for assigned partitions', () => {
    const b = new RecordBuffer<Rec>();
    b.assign([{ topic: 't', partition: 0 }]);
    expect(b.accept('t', 0, 0, { p: 0, o: 0 })).toBe(true);
    expect(b.accept('t', 1, 0, { p: 1, o: 0 })).toBe(false);
    expect(b.accept('u', 0, 0, { p: 0, o: 0 })).toBe(false);
  });

  it('takes round-robin across partitions, keeping order within each', () => {
    const b = new RecordBuffer<Rec>();
    b.assign([0, 1, 2].map((partition) => ({ topic: 't', partition })));
    fill(b, 't', 0, 0, 10);
    fill(b, 't', 1, 0, 10);
    fill(b, 't', 2, 0, 2);
    const first = b.take('t', 9);
    expect(first).toHaveLength(9);
    const byPartition = [0, 1, 2].map((p) => first.filter((r) => r.p === p).map((r) => r.o));
    expect(byPartition[0]!.length).toBeGreaterThanOrEqual(3);
    expect(byPartition[1]!.length).toBeGreaterThanOrEqual(3);
    expect(byPartition[2]).toEqual([0, 1]);
    for (const offs of byPartition) expect(offs).toEqual([...offs].sort((a, z) => a - z));
    const rest = b.take('t', 100);
    expect(first.length + rest.length).toBe(22);
    expect(b.take('t', 100)).toEqual([]);
  });

  it('stops at a byte budget without skipping a record, and hands out a record larger than the budget alone', () => {
    // Offset 2 of each partition weighs 100, the others 10.
    const b = new RecordBuffer<Rec>((r) => (r.o === 2 ? 100 : 10));
    b.assign([0, 1].map((partition) => ({ topic: 't', partition })));
    fill(b, 't', 0, 0, 5);
    fill(b, 't', 1, 0, 5);
    const first = b.take('t', 100, 0, 45);
    expect(first.map((r) => `${r.p}:${r.o}`).sort()).toEqual(['0:0', '0:1', '1:0', '1:1']);
    // The next record of partition 0 is larger than the whole budget: it goes out alone.
    const big = b.take('t', 100, 0, 50);
    expect(big).toHaveLength(1);
    expect(big[0]!.o).toBe(2);
    // Nothing was skipped: everything left comes out, in order within each partition.
    const rest = b.take('t', 100);
    const byPartition = [0, 1].map((p) => rest.filter((r) => r.p === p).map((r) => r.o));
    expect(byPartition).toEqual(big[0]!.p === 0 ? [[3, 4], [2, 3, 4]] : [[2, 3, 4], [3, 4]]);
  });

  it('acks per partition and reports commit positions only where they moved', () => {
    const b = new RecordBuffer<Rec>();
    b.assign([0, 1].map((partition) => ({ topic: 't', partition })));
    fill(b, 't', 0, 100, 3);
    fill(b, 't', 1, 0, 3);
    b.take('t', 6);
    expect(b.ack('t', 0, 101)).toBe('acked');
    expect(b.ack('t', 1, 0)).toBe('acked');
    expect(b.pendingCommits('t')).toEqual([
      { topic: 't', partition: 0, offset: 100 },
      { topic: 't', partition: 1, offset: 1 },
    ]);
    b.markCommitted(b.pendingCommits('t'));
    expect(b.pendingCommits()).toEqual([]);
    expect(b.ackDelivered('t')).toBe(4);
    expect(b.pendingCommits()).toEqual([
      { topic: 't', partition: 0, offset: 103 },
      { topic: 't', partition: 1, offset: 3 },
    ]);
  });

  it('on reassignment forgets revoked partitions (their new owner redelivers) and keeps retained ones', () => {
    const b = new RecordBuffer<Rec>();
    b.assign([0, 1].map((partition) => ({ topic: 't', partition })));
    fill(b, 't', 0, 0, 5);
    fill(b, 't', 1, 0, 5);
    b.take('t', 4);
    const change = b.assign([
      { topic: 't', partition: 1 },
      { topic: 't', partition: 2 },
    ]);
    expect(change.revoked).toEqual([{ topic: 't', partition: 0 }]);
    expect(change.added).toEqual([{ topic: 't', partition: 2 }]);
    expect(change.retained).toEqual([{ topic: 't', partition: 1, nextFetch: 5 }]);
    expect(change.droppedUnacked).toBe(2);
    expect(b.ack('t', 0, 0)).toBe('unknown');
    // A refetch of the retained partition from its committed offset is dropped as duplicates.
    expect(b.accept('t', 1, 0, { p: 1, o: 0 })).toBe(false);
    expect(b.accept('t', 1, 5, { p: 1, o: 5 })).toBe(true);
    expect(b.assignment()).toEqual([
      { topic: 't', partition: 1 },
      { topic: 't', partition: 2 },
    ]);
  });

  it('starts new partitions at a known position when given one', () => {
    const b = new RecordBuffer<Rec>();
    b.assign([{ topic: 't', partition: 0 }], () => 50);
    expect(b.accept('t', 0, 49, { p: 0, o: 49 })).toBe(false);
    expect(b.pendingCommits()).toEqual([{ topic: 't', partition: 0, offset: 50 }]);
  });

  it('counts buffered, unacked and held per topic; redeliver moves unacked back to buffered', () => {
    const b = new RecordBuffer<Rec>();
    b.assign([
      { topic: 'a', partition: 0 },
      { topic: 'b', partition: 0 },
    ]);
    fill(b, 'a', 0, 0, 4);
    fill(b, 'b', 0, 0, 2);
    b.take('a', 3);
    expect([b.buffered('a'), b.unacked('a'), b.held('a')]).toEqual([1, 3, 4]);
    expect([b.buffered('b'), b.unacked('b')]).toEqual([2, 0]);
    expect(b.redeliver()).toBe(3);
    expect([b.buffered('a'), b.unacked('a')]).toEqual([4, 0]);
    expect(b.take('a', 10).map((r) => r.o)).toEqual([0, 1, 2, 3]);
  });
});
