import { describe, expect, it } from 'vitest';
import { EnvelopeError, scanEnvelope, topLevelString, tryScanEnvelope } from '../../../runtime/codec/json-envelope.ts';
import { jsonDeep, jsonManyEmpty, jsonUnclosed } from '../../helpers/hostile.ts';
import { prng } from '../../helpers/prng.ts';

const scan = (s: string) => {
  const b = Buffer.from(s);
  const e = scanEnvelope(b);
  return {
    id: e.idStart >= 0 ? b.subarray(e.idStart, e.idEnd).toString() : null,
    method: e.method,
    params: e.paramsStart >= 0 ? b.subarray(e.paramsStart, e.paramsEnd).toString() : null,
    timeoutMs: e.timeoutMs,
    traceparent: e.traceparent,
  };
};

describe('JSON envelope scanner', () => {
  it('finds id, method and the raw params range', () => {
    expect(scan('{"id":"550e8400-e29b","method":"kafka.produce","params":{"topic":"t","value":"hello"}}')).toEqual({
      id: '"550e8400-e29b"',
      method: 'kafka.produce',
      params: '{"topic":"t","value":"hello"}',
      timeoutMs: undefined,
      traceparent: undefined,
    });
  });

  it('handles whitespace, member order, escapes and nested strings with braces', () => {
    const r = scan(' { "params" : [ "}", {"a":"\\"]"} ] , "method" : "a.\\u0062", "id" : 12 , "x": null } ');
    expect(r.method).toBe('a.b');
    expect(r.id).toBe('12');
    expect(JSON.parse(r.params!)).toEqual(['}', { a: '"]' }]);
  });

  it('reads per-request timeout and traceparent', () => {
    const r = scan('{"method":"m","timeout":250,"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}');
    expect(r.timeoutMs).toBe(250);
    expect(r.traceparent).toMatch(/^00-/);
  });

  it('leaves method null when absent, and accepts an empty object', () => {
    expect(scan('{"id":1}').method).toBeNull();
    expect(scan('{}').method).toBeNull();
  });

  it.each([
    ['not an object', '[1,2]'],
    ['truncated', '{"method":"a"'],
    ['bad literal', '{"method":"a","params":tru}'],
    ['bad number', '{"id":01,"method":"a"}'],
    ['method not a string', '{"method":5}'],
    ['object id', '{"id":{},"method":"a"}'],
    ['double comma', '{"id":1,,"method":"a"}'],
    ['trailing garbage', '{"method":"a"} x'],
    ['bad timeout', '{"method":"a","timeout":-1}'],
    ['unterminated string', '{"method":"a'],
    ['control char in string', '{"method":"a\u0001"}'],
  ])('rejects %s', (_name, text) => {
    expect(() => scanEnvelope(Buffer.from(text))).toThrow();
  });

  it('accepts exactly the scalar ids JSON.parse accepts', () => {
    const tokens = ['0', '-0', '7', '-12', '01', '-', '1.', '1.5', '.5', '1e5', '1E+5', '1e-5', '1e', '1e+', '-0.5E+3', '0x1', '1.2.3', 'true', 'false', 'null', 'tru', 'nulll', 'True', '+1', '1-'];
    for (const t of tokens) {
      let valid = true;
      try {
        JSON.parse(t);
      } catch {
        valid = false;
      }
      const text = `{"id":${t},"method":"a"}`;
      if (valid) expect(scan(text).id, t).toBe(t);
      else expect(() => scanEnvelope(Buffer.from(text)), t).toThrow();
    }
  });

  it('returns each method by its own bytes when many names of one length alternate', () => {
    const names = Array.from({ length: 40 }, (_, i) => `m.${String(i).padStart(2, '0')}`);
    for (let round = 0; round < 3; round++) for (const m of names) expect(scan(`{"method":"${m}"}`).method).toBe(m);
    expect(scan('{"method":"m.\\u0030a"}').method).toBe('m.0a');
  });

  it('keeps the id it saw before failing so the error can carry it', () => {
    try {
      scanEnvelope(Buffer.from('{"id":"k9","method":5}'));
      expect.unreachable();
    } catch (e) {
      const env = (e as { envelope: { idStart: number; idEnd: number } }).envelope;
      expect(Buffer.from('{"id":"k9","method":5}').subarray(env.idStart, env.idEnd).toString()).toBe('"k9"');
    }
  });

  it('agrees with JSON.parse on valid random envelopes', () => {
    const rand = prng(7);
    const leaf = (): unknown => [null, true, false, 3.5e-2, -17, 'q"\\}{', ''][Math.floor(rand() * 7)];
    const value = (d: number): unknown =>
      d > 2 || rand() < 0.4 ? leaf() : rand() < 0.5 ? [value(d + 1), value(d + 1)] : { k: value(d + 1), '}': value(d + 1) };
    for (let i = 0; i < 500; i++) {
      const obj = { id: i, method: `m.${i}`, params: value(0) };
      const text = JSON.stringify(obj, null, i % 3);
      const r = scan(text);
      expect(r.method).toBe(obj.method);
      expect(JSON.parse(r.id!)).toBe(i);
      expect(JSON.parse(r.params!)).toEqual(obj.params);
    }
  });

  it('never throws anything but its own error on garbage', () => {
    const rand = prng(99);
    const alphabet = '{}[]":,\\ abc01-.etrunlf';
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let k = 0; k < rand() * 40; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
      try {
        scanEnvelope(Buffer.from(s));
      } catch (e) {
        expect(e).toBeInstanceOf(EnvelopeError);
      }
      const env = tryScanEnvelope(Buffer.from(s));
      expect(env.malformed === null || typeof env.malformed === 'string').toBe(true);
    }
  });

  it('reports a malformed envelope as a value (tryScanEnvelope), with the id read before the fault', () => {
    const b = Buffer.from('{"id":"k9","method":5}');
    const env = tryScanEnvelope(b);
    expect(env.malformed).toBe('"method" must be a string');
    expect(b.subarray(env.idStart, env.idEnd).toString()).toBe('"k9"');
    expect(tryScanEnvelope(Buffer.from('{"method":"a"}')).malformed).toBeNull();
  });

  it('refuses invalid escapes in method and traceparent without a SyntaxError', () => {
    for (const text of ['{"method":"a\\x"}', '{"method":"a\\u12"}', '{"method":"m","traceparent":"\\q"}']) {
      expect(tryScanEnvelope(Buffer.from(text)).malformed, text).toMatch(/invalid escape/);
      expect(() => scanEnvelope(Buffer.from(text))).toThrow(EnvelopeError);
    }
    expect(tryScanEnvelope(Buffer.from('{"method":"a\\u00e9\\n\\/"}')).method).toBe('aé\n/');
  });

  it('throws an EnvelopeError that carries no stack frames', () => {
    try {
      scanEnvelope(Buffer.from('[]'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvelopeError);
      expect((e as Error).stack ?? '').not.toMatch(/\n\s+at /);
    }
    // and leaves stack traces on for everything else
    expect(new Error('x').stack).toMatch(/\n\s+at /);
  });

  it('skips hostile params in time linear in their bytes, allocating nothing per element', () => {
    for (const params of [jsonDeep(1_000_000), jsonManyEmpty(1_000_000), jsonUnclosed(200_000)]) {
      const b = Buffer.concat([Buffer.from('{"method":"m","params":'), params, Buffer.from('}')]);
      const t0 = performance.now();
      const env = tryScanEnvelope(b);
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(env.method).toBe('m');
    }
  });
});

describe('topLevelString', () => {
  const get = (text: string, name: string): string | undefined => topLevelString(Buffer.from(text), name);

  it('reads a top-level string member, escapes decoded', () => {
    expect(get('{"topic":"t","connection":"main","value":"x"}', 'connection')).toBe('main');
    expect(get(' { "connection" : "a\\u00e9\\"b" } ', 'connection')).toBe('aé"b');
    expect(get('{"connection":"中文"}', 'connection')).toBe('中文');
  });

  it('ignores nested members of the same name and members after it', () => {
    expect(get('{"meta":{"connection":"decoy"},"connection":"real"}', 'connection')).toBe('real');
    expect(get('{"list":[{"connection":"decoy"}]}', 'connection')).toBeUndefined();
    expect(get('{"connection":"first","x":', 'connection')).toBe('first');
  });

  it('is undefined for a value with an invalid escape, never a thrown SyntaxError', () => {
    expect(topLevelString(Buffer.from('{"name":"a\\qb"}'), 'name')).toBeUndefined();
    expect(topLevelString(Buffer.from('{"name":"a\\u0041"}'), 'name')).toBe('aA');
  });

  it('is undefined when absent, not a string, or not reachable in well-formed JSON', () => {
    expect(get('{}', 'connection')).toBeUndefined();
    expect(get('{"connection":5}', 'connection')).toBeUndefined();
    expect(get('{"connection":null}', 'connection')).toBeUndefined();
    expect(get('["connection","main"]', 'connection')).toBeUndefined();
    expect(get('{"a":tru,"connection":"main"}', 'connection')).toBeUndefined();
    expect(get('', 'connection')).toBeUndefined();
  });

  it('agrees with JSON.parse on random objects', () => {
    const rand = prng(11);
    for (let i = 0; i < 300; i++) {
      const obj: Record<string, unknown> = {};
      const n = Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) obj[`m${k}`] = rand() < 0.5 ? { connection: `nested${k}` } : `v${k}"\\`;
      if (rand() < 0.7) obj.connection = rand() < 0.8 ? `c-${i}-é"\\` : i;
      const parsed = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
      const expected = typeof parsed.connection === 'string' ? parsed.connection : undefined;
      expect(topLevelString(Buffer.from(JSON.stringify(obj, null, i % 2)), 'connection')).toBe(expected);
    }
  });
});

