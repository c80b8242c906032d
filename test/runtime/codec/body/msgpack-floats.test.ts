// Whole-number floats keep their float type through a msgpack decode and
// encode, as Go's server keeps float64 (PHP then reads float(2.0), not
// int(2)); checked against bytes vmihailenco/msgpack/v5 writes.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBody, encodeResult } from '../../../../runtime/codec/body/body-codec.ts';
import { BodyFormat } from '../../../../runtime/codec/body/formats.ts';

const goDir = fileURLToPath(new URL('../../../interop/go/', import.meta.url));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const roundTrip = (b: Uint8Array): Uint8Array => encodeResult(BodyFormat.MSGPACK, decodeBody(BodyFormat.MSGPACK, b));

describe('msgpack floats against Go (vmihailenco/msgpack/v5)', () => {
  let go: (mode: string, input?: string) => string;
  beforeAll(() => {
    execFileSync('go', ['build', '-o', 'bin/msgpackecho', './msgpackecho'], { cwd: goDir, stdio: 'pipe', timeout: 240_000 });
    go = (mode, input) => spawnSync(`${goDir}bin/msgpackecho`, [mode], { input, encoding: 'utf8', timeout: 60_000 }).stdout;
  }, 300_000);

  it("returns Go's bytes unchanged: whole float64 and float32, -0.0, in maps, arrays and nested maps", () => {
    const fromGo = Buffer.from(go('encode'), 'hex');
    const ours = roundTrip(fromGo);
    expect(hex(ours)).toBe(hex(fromGo));
    // What a Go server answers to the same body has the same floats.
    expect(hex(ours).match(/c[ab]/g)).toEqual(go('echo', hex(fromGo)).match(/c[ab]/g));
    const v = decodeBody(BodyFormat.MSGPACK, fromGo) as Record<string, unknown>;
    // Handlers still see plain numbers.
    expect(v.whole).toBe(2);
    expect(typeof v.f32).toBe('number');
  });
});

describe('msgpack floats', () => {
  const body = (v: Record<string, unknown>): Uint8Array => encodeResult(BodyFormat.MSGPACK, v);

  it('writes a member as a float only while it still holds a whole number', () => {
    const wire = Buffer.from('82a161cb4000000000000000a162cb4000000000000000', 'hex'); // {a: 2.0, b: 2.0}
    const v = decodeBody(BodyFormat.MSGPACK, wire) as { a: number; b: number };
    v.b = 2.5;
    expect(hex(encodeResult(BodyFormat.MSGPACK, v))).toBe('82a161cb4000000000000000a162cb4004000000000000');
    v.a = 3;
    expect(hex(encodeResult(BodyFormat.MSGPACK, v)).slice(0, 6)).toBe('82a161'); // a: still a float member: 3.0
    expect(hex(encodeResult(BodyFormat.MSGPACK, v))).toContain('a161cb4008');
  });

  it('leaves integers, and values that were never floats, as integers', () => {
    expect(hex(body({ n: 2 }))).toBe('81a16e02');
    expect(hex(roundTrip(Buffer.from('81a16e02', 'hex')))).toBe('81a16e02');
    // A top-level float has no container to remember it by: it returns as an integer (documented).
    expect(hex(roundTrip(Buffer.from('cb4000000000000000', 'hex')))).toBe('02');
  });

  it('refuses the extension type it uses internally when a client sends it', () => {
    expect(() => decodeBody(BodyFormat.MSGPACK, Buffer.from('d47e00', 'hex'))).toThrow();
  });
});
