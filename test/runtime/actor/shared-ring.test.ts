import { describe, expect, it } from 'vitest';
import { BULK, SharedRing, createRingBuffer } from '../../../runtime/actor/shared-ring.ts';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed + i) & 0xff);

describe('SharedRing', () => {
  it('hands records over in order across many wrap-arounds, refusing what does not fit', () => {
    const sab = createRingBuffer(256);
    const producer = new SharedRing(sab);
    const consumer = new SharedRing(sab);
    const pending: (Uint8Array | typeof BULK)[] = [];
    let seed = 1;
    let x = 12345;
    const rand = (n: number): number => ((x = (x * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let step = 0; step < 20_000; step++) {
      if (rand(2) === 0) {
        const isBulk = rand(10) === 0;
        const rec = bytes(rand(producer.maxRecord + 1), seed++);
        const ok = isBulk ? producer.writeBulkMarker(() => {}) : producer.write(rec);
        if (ok) pending.push(isBulk ? BULK : rec);
      } else {
        const got = consumer.read();
        const want = pending.shift();
        if (want === undefined) expect(got).toBeNull();
        else if (want === BULK) expect(got).toBe(BULK);
        else expect(new Uint8Array(got as Uint8Array)).toEqual(want);
      }
    }
  });

  it('refuses a record over maxRecord, and takes one of exactly maxRecord when empty at any offset', () => {
    const sab = createRingBuffer(64);
    const p = new SharedRing(sab);
    const c = new SharedRing(sab);
    expect(p.write(bytes(p.maxRecord + 1, 0))).toBe(false);
    for (let shift = 0; shift < 16; shift++) {
      expect(p.write(bytes(shift, 0))).toBe(true);
      c.read();
      expect(p.write(bytes(p.maxRecord, shift))).toBe(true);
      expect(new Uint8Array(c.read() as Uint8Array)).toEqual(bytes(p.maxRecord, shift));
    }
  });

  it('calls the bulk sender only when the marker fits, before publishing it', () => {
    const sab = createRingBuffer(64);
    const p = new SharedRing(sab);
    const c = new SharedRing(sab);
    while (p.write(bytes(4, 0)));
    let sent = 0;
    expect(p.writeBulkMarker(() => sent++)).toBe(false);
    expect(sent).toBe(0);
    c.read(); // room for the marker now
    let markerVisible = true;
    expect(
      p.writeBulkMarker(() => {
        sent++;
        // Everything written before is readable; the marker itself is not published yet.
        for (;;) {
          const r = c.read();
          if (r === null) return void (markerVisible = false);
          if (r === BULK) return;
        }
      }),
    ).toBe(true);
    expect(sent).toBe(1);
    expect(markerVisible).toBe(false);
    expect(c.read()).toBe(BULK);
  });

  it('owes a wake-up exactly when the consumer parked with nothing to read', () => {
    const sab = createRingBuffer(64);
    const p = new SharedRing(sab);
    const c = new SharedRing(sab);
    expect(p.claimWake()).toBe(true); // created parked
    expect(p.claimWake()).toBe(false); // only one producer call wins
    expect(c.park()).toBe(true);
    p.write(bytes(3, 0));
    expect(p.claimWake()).toBe(true);
    expect(c.park()).toBe(false); // data arrived: drain instead of waiting
    expect(p.claimWake()).toBe(false);
    c.read();
    expect(c.park()).toBe(true);
    c.wake(); // polling: producers need not wake it
    expect(p.claimWake()).toBe(false);
  });
});
