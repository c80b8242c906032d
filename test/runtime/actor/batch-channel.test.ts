import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../runtime/actor/batch.ts';
import { BatchReceiver, BatchSender, SpinPolicy } from '../../../runtime/actor/batch-channel.ts';
import { SharedRing, createRingBuffer } from '../../../runtime/actor/shared-ring.ts';

// Both ends in one thread: the ring and the bulk port behave the same, and
// receiveMessageOnPort takes a message posted from this thread too.
function channel(capacity = 256) {
  const sab = createRingBuffer(capacity);
  const { port1, port2 } = new MessageChannel();
  let doorbells = 0;
  const got: number[][] = [];
  const sender = new BatchSender(new SharedRing(sab), port1, () => doorbells++);
  const receiver = new BatchReceiver(new SharedRing(sab), port2, (buf) => got.push([...new Uint8Array(buf)]));
  const close = (): void => {
    sender.close();
    port1.close();
  };
  return { sender, receiver, got, doorbells: () => doorbells, close };
}

const batch = (n: number, fill: number): [ArrayBuffer, number] => {
  const buf = new ArrayBuffer(n + 16); // an unused tail, as BatchWriter leaves one
  new Uint8Array(buf, 0, n).fill(fill);
  return [buf, n];
};

let open: { close(): void }[] = [];
afterEach(() => {
  for (const c of open) c.close();
  open = [];
});

describe('BatchSender / BatchReceiver', () => {
  it('rings the doorbell once per parking, however many batches follow', () => {
    const c = channel();
    open.push(c);
    c.sender.send(...batch(8, 1));
    c.sender.send(...batch(8, 2));
    expect(c.doorbells()).toBe(1);
    c.receiver.settle();
    expect(c.got).toEqual([Array(8).fill(1), Array(8).fill(2)]);
    c.sender.send(...batch(8, 3));
    expect(c.doorbells()).toBe(2);
  });

  it('keeps the order when a batch too large for the ring goes over the bulk port', () => {
    const c = channel(256);
    open.push(c);
    expect(c.sender.send(...batch(10, 1))).toBe(true); // copied: the buffer is the caller's again
    expect(c.sender.send(...batch(1000, 2))).toBe(false); // over maxRecord: transferred, a BULK record in its place
    expect(c.sender.send(...batch(10, 3))).toBe(true);
    c.receiver.settle();
    expect(c.got.map((b) => [b.length, b[0]])).toEqual([
      [10, 1],
      [1016, 2], // transferred whole, unused tail included
      [10, 3],
    ]);
  });

  it('holds batches in order while the ring is full and sends them once there is room', async () => {
    const c = channel(64);
    open.push(c);
    for (let i = 1; i <= 12; i++) c.sender.send(...batch(20, i));
    c.receiver.settle();
    await new Promise((r) => setTimeout(r, 20));
    c.receiver.settle();
    await new Promise((r) => setTimeout(r, 20));
    c.receiver.settle();
    expect(c.got.map((b) => b[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('settle with a bound reads at most that many batches and stays awake (no doorbell) while some remain', () => {
    const c = channel();
    open.push(c);
    for (let i = 1; i <= 5; i++) c.sender.send(...batch(4, i));
    expect(c.doorbells()).toBe(1);
    expect(c.receiver.settle(2)).toBe(false);
    c.sender.send(...batch(4, 6));
    expect(c.doorbells()).toBe(1); // still awake: the reader comes back by itself
    expect(c.receiver.settle(2)).toBe(false);
    expect(c.receiver.settle(2)).toBe(true);
    expect(c.got.map((b) => b[0])).toEqual([1, 2, 3, 4, 5, 6]);
    c.sender.send(...batch(4, 7));
    expect(c.doorbells()).toBe(2); // parked again
  });

  it('hands a writer back, emptied, only when its batch was copied into the ring', () => {
    const c = channel(256);
    open.push(c);
    const small = new BatchWriter(64);
    small.addReply(1, false, Buffer.from('ok'));
    const again = c.sender.sendBatch(small);
    expect(again).toBe(small);
    expect(again!.byteLength).toBe(4); // just the count: empty
    const big = new BatchWriter(64);
    big.addReply(2, false, Buffer.alloc(500, 1)); // over maxRecord: transferred, so not the caller's any more
    const bigCapacity = big.capacity;
    expect(c.sender.sendBatch(big)).toBeNull();
    c.receiver.settle();
    expect(c.got.map((b) => b.length)).toEqual([4 + 9 + 2, bigCapacity]);
  });

  it('spin reports whether a batch came within the budget', () => {
    const c = channel();
    open.push(c);
    expect(c.receiver.spin(0.05)).toBe(false);
    c.receiver.settle();
    c.sender.send(...batch(4, 7));
    expect(c.receiver.spin(0.05)).toBe(true);
    expect(c.got).toEqual([]); // spin only looks; settle reads
    c.receiver.settle();
    expect(c.got).toEqual([[7, 7, 7, 7]]);
  });
});

describe('SpinPolicy', () => {
  it('polls while polling pays, then only once in a while, and never with a zero budget', () => {
    const p = new SpinPolicy(0.05, 16, 4, 8);
    expect(p.shouldSpin()).toBe(true);
    p.record(false);
    const tries = Array.from({ length: 16 }, () => p.shouldSpin());
    expect(tries.filter(Boolean).length).toBe(2); // every 8th
    p.record(true);
    expect(p.shouldSpin()).toBe(true);
    expect(new SpinPolicy(0).shouldSpin()).toBe(false);
  });
});
