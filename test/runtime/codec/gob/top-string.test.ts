// The top-level string path of the gob codec must answer exactly as the
// general reader and encoder do: same bytes out, same value in, and anything
// it does not recognise left to them.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GOB_STRING, decodeGob, decodeGobStream, encodeGob } from '../../../../runtime/codec/gob.ts';
import { decodeTopString, encodeTopString } from '../../../../runtime/codec/gob/top-string.ts';
import { GobWriter } from '../../../../runtime/codec/gob/wire.ts';

/** What the general encoder writes for a top-level string: int(id 6), delta 0, the string, as one message. */
function generalStream(s: string): Buffer {
  const m = new GobWriter();
  m.int(6);
  m.uint(0);
  m.string(s);
  const out = new GobWriter();
  out.uint(m.length);
  out.bytes(m.view());
  return Buffer.from(out.view());
}

const samples = ['', 'a', 'hello', 'é', '日本語', '\u{1F600}', 'x'.repeat(122), 'x'.repeat(123), 'x'.repeat(124), 'x'.repeat(127), 'x'.repeat(128), 'y'.repeat(255), 'y'.repeat(256), 'z'.repeat(65535), 'z'.repeat(65536), 'w'.repeat(1 << 20)];

describe('gob top-level strings', () => {
  it('are encoded byte for byte as the general encoder writes them', () => {
    for (const s of samples) {
      expect(encodeTopString(s)).toEqual(generalStream(s));
      expect(encodeGob(s)).toEqual(generalStream(s));
      expect(encodeGob(s, GOB_STRING)).toEqual(generalStream(s));
    }
  });

  it('decode to what the general reader gives, with the same type and end', () => {
    for (const s of samples) {
      const bytes = generalStream(s);
      const general = decodeGobStream(bytes);
      const fast = decodeGob(bytes);
      expect(general.ok && general.values[0]!.value).toBe(s);
      expect(fast).toEqual({ ok: true, value: s, type: GOB_STRING, bytesRead: bytes.length });
      expect(fast.ok && fast.type).toBe(GOB_STRING);
    }
  });

  it('drop what follows the value inside its message and after it, as the general reader does', () => {
    const s = generalStream('hi');
    const padded = Buffer.from([s[0]! + 3, ...s.subarray(1), 1, 2, 3, 0xee, 0xff]);
    expect(decodeGob(padded)).toEqual({ ok: true, value: 'hi', type: GOB_STRING, bytesRead: padded.length - 2 });
    expect(decodeGobStream(padded.subarray(0, padded.length - 2)).ok).toBe(true);
  });

  it('reads invalid UTF-8 as the general reader does (U+FFFD)', () => {
    const bytes = Buffer.from([4, 0x0c, 0x00, 1, 0xff]);
    expect(decodeTopString(bytes)?.value).toBe('\uFFFD');
    const general = decodeGobStream(bytes);
    expect(general.ok && general.values[0]!.value).toBe('\uFFFD');
  });

  it('leave every other stream to the general reader, which answers it or says why not', () => {
    expect(decodeTopString(Buffer.alloc(0))).toBeNull();
    const other = [
      Buffer.from([3, 0x04, 0x00, 0x02]), // an int
      Buffer.from([3, 0x0c, 0x01, 0x00]), // non-zero singleton delta
      Buffer.from([5, 0x0c, 0x00, 9, 0x61]), // length beyond the message
      Buffer.from([9, 0x0c, 0x00]), // message beyond the input
      Buffer.from([0xf8, 0, 0, 0, 0, 0, 0, 0, 9, 0x0c]), // an 8-byte message length
      Buffer.from([2, 0x0c]), // message too short for the delta
    ];
    for (const bytes of other) {
      expect(decodeTopString(bytes)).toBeNull();
      const r = decodeGob(bytes);
      const g = decodeGobStream(bytes);
      expect(r.ok).toBe(g.ok);
      if (!r.ok && !g.ok) expect(r.error.message).toBe(g.error.message);
    }
  });

  it('agree with the general reader on random bytes behind a string header', () => {
    for (let i = 0; i < 2000; i++) {
      const tail = randomBytes(i % 40);
      const bytes = Buffer.concat([Buffer.from([i % 50, 0x0c, 0x00, i % 37]), tail]);
      const fast = decodeTopString(bytes);
      const general = decodeGobStream(bytes);
      if (fast !== null) {
        // The stream reader goes on past the first message; only its first value compares.
        expect(general.values[0]?.value).toBe(fast.value);
      }
    }
  });
});
