import { describe, expect, it } from 'vitest';
import {
  childSpan,
  formatTraceparent,
  isValidTraceparent,
  kafkaTraceHeaders,
  newSpanId,
  newTraceId,
  parseTraceparent,
  traceparentFromHeaders,
} from '../../../runtime/tracing/traceparent.ts';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses the spec example', () => {
    expect(parseTraceparent(VALID)).toEqual({
      version: '00',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: 1,
      sampled: true,
    });
    expect(parseTraceparent(VALID.replace(/01$/, '00'))!.sampled).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['uppercase hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['v00 with extra field', `${VALID}-extra`],
    ['bad separator', VALID.replace(/-/g, '_')],
    ['bad flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g'],
  ])('rejects %s', (_name, value) => {
    expect(isValidTraceparent(value)).toBe(false);
  });

  it('accepts future versions with extra fields', () => {
    expect(isValidTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-whatever`)).toBe(true);
  });

  it('makes ids of the right shape, never zero, and distinct', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      ids.add(s);
    }
    expect(ids.size).toBe(2000);
    expect(isValidTraceparent(formatTraceparent(newTraceId(), newSpanId(), true))).toBe(true);
  });

  it('child spans keep the trace id and sampled flag, with a new span id', () => {
    const c = childSpan(VALID);
    expect(c.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(c.parentSpanId).toBe('00f067aa0ba902b7');
    expect(c.spanId).not.toBe('00f067aa0ba902b7');
    expect(c.traceparent).toBe(`00-${c.traceId}-${c.spanId}-01`);
    const root = childSpan('garbage', true);
    expect(root.parentSpanId).toBeUndefined();
    expect(isValidTraceparent(root.traceparent)).toBe(true);
  });

  it('Kafka headers carry a child traceparent only when there is a trace to continue', () => {
    const h = kafkaTraceHeaders(VALID);
    expect(parseTraceparent(h.traceparent)!.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(kafkaTraceHeaders(undefined)).toEqual({});
    expect(kafkaTraceHeaders('nope')).toEqual({});
  });

  it('reads traceparent back from consumed record headers (Buffers, strings, arrays)', () => {
    expect(traceparentFromHeaders({ traceparent: Buffer.from(VALID) })).toBe(VALID);
    expect(traceparentFromHeaders({ traceparent: [VALID] })).toBe(VALID);
    expect(traceparentFromHeaders({ traceparent: 'bad' })).toBeUndefined();
    expect(traceparentFromHeaders(undefined)).toBeUndefined();
  });

  it('never throws on arbitrary input (seeded fuzz)', () => {
    let seed = 0x5eed;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = '0123456789abcdefABCDEF-xz ';
    for (let i = 0; i < 20_000; i++) {
      // mutate a valid header or make a random one
      let s: string;
      if (rnd() < 0.5) {
        const chars = VALID.split('');
        const edits = 1 + Math.floor(rnd() * 3);
        for (let e = 0; e < edits; e++) chars[Math.floor(rnd() * chars.length)] = alphabet[Math.floor(rnd() * alphabet.length)]!;
        s = chars.join('');
      } else {
        s = Array.from({ length: Math.floor(rnd() * 70) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      }
      const parsed = parseTraceparent(s);
      if (parsed) {
        expect(parsed.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(parsed.traceId).not.toBe('0'.repeat(32));
        expect(parsed.parentId).not.toBe('0'.repeat(16));
      }
    }
  });
});
