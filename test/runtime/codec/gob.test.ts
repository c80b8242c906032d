import { describe, expect, it } from 'vitest';
import {
  GOB_BOOL,
  GOB_BYTES,
  GOB_COMPLEX,
  GOB_FLOAT,
  GOB_INT,
  GOB_INTERFACE,
  GOB_STRING,
  GOB_UINT,
  GobEncodeError,
  type GobField,
  type GobStructType,
  type GobType,
  type GobValue,
  decodeGob,
  decodeGobStream,
  encodeGob,
  goTypeName,
  gobInterface,
  inferGobType,
  mapOf,
  sliceOf,
} from '../../../runtime/codec/gob.ts';
import { GoridgeDecoder } from '../../../runtime/codec/goridge.ts';
import { loadGobVectors, revive } from './gob-fixtures.ts';
import { prng } from '../../helpers/prng.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const vectors = loadGobVectors();

function decodeOk(b: Buffer): { value: GobValue; type: GobType } {
  const r = decodeGob(b);
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

describe('gob: Go-generated fixture (goridge ClientCodec request bodies)', () => {
  it('has the cases the brief asks for', () => {
    const names = vectors.map((v) => v.name);
    for (const n of ['string', 'bytes', 'map_ss', 'map_si', 'payload', 'int', 'int_neg_129', 'uint64_max', 'float64_pi', 'bool_true', 'strings']) {
      expect(names).toContain(n);
    }
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s decodes to the expected JS value', (_n, v) => {
    expect(decodeOk(hex(v.body_hex)).value).toEqual(revive(v.expected));
  });

  it('every fixture frame is a goridge gob request our frame decoder accepts', () => {
    const dec = new GoridgeDecoder();
    const frames = dec.push(Buffer.concat(vectors.map((v) => hex(v.frame_hex)))).frames;
    expect(frames).toHaveLength(vectors.length);
    frames.forEach((f, i) => {
      expect(f.codec).toBe('gob');
      expect(f.seq).toBe(i);
      expect(f.method).toBe('App.Echo');
      expect(f.body.toString('hex')).toBe(vectors[i]!.body_hex);
    });
  });

  it('returns the wire types, including recursive and GobEncoder ones', () => {
    const byName = (n: string) => decodeOk(hex(vectors.find((v) => v.name === n)!.body_hex)).type;
    const payload = byName('payload') as GobStructType;
    expect(payload.name).toBe('Payload');
    expect(payload.fields.map((f) => `${f.name}:${f.type.kind}`)).toEqual([
      'Name:string', 'Count:int', 'Ratio:float', 'Enabled:bool', 'Tags:slice', 'Inner:struct',
      'Items:slice', 'Attrs:map', 'Data:bytes', 'Neg:int', 'Big:uint', 'Any:interface',
    ]);
    const node = byName('node') as GobStructType;
    expect(node.fields[1]!.type).toBe(node);
    const stamped = byName('stamped') as GobStructType;
    expect(stamped.fields[1]!.type).toEqual({ kind: 'gobEncoder', name: 'Time', via: 'gob' });
    expect(byName('map_is')).toMatchObject({ kind: 'map', key: GOB_INT, elem: GOB_STRING });
    expect(byName('array3')).toMatchObject({ kind: 'array', len: 3, elem: GOB_INT });
    expect(byName('string')).toBe(GOB_STRING);
  });

  // Types with no definitions need no ids, so our bytes can be compared with Go's directly.
  const BASIC: Record<string, GobType> = {
    string: GOB_STRING, string_utf8: GOB_STRING, string_empty: GOB_STRING, bytes: GOB_BYTES, bytes_empty: GOB_BYTES,
    int: GOB_INT, int_zero: GOB_INT, int_neg_129: GOB_INT, int64_min: GOB_INT, int64_max: GOB_INT, int_2pow53: GOB_INT,
    uint64_max: GOB_UINT, uint8: GOB_UINT, float64_17: GOB_FLOAT, float64_neg_half: GOB_FLOAT, float64_pi: GOB_FLOAT,
    float64_inf: GOB_FLOAT, float32: GOB_FLOAT, complex128: GOB_COMPLEX, bool_true: GOB_BOOL, bool_false: GOB_BOOL,
  };
  it.each(Object.entries(BASIC))('%s: encoder is byte-identical to Go', (name, type) => {
    const v = vectors.find((x) => x.name === name)!;
    expect(encodeGob(revive(v.expected), type).toString('hex')).toBe(v.body_hex);
  });

  it('re-encoding every fixture value with its decoded type decodes to the same value', () => {
    for (const v of vectors) {
      const d = decodeOk(hex(v.body_hex));
      const again = decodeOk(encodeGob(d.value, d.type));
      expect(again.value, v.name).toEqual(d.value);
    }
  });
});

describe('gob: examples from the encoding/gob documentation', () => {
  it('unsigned and signed integers, floats, a top-level int', () => {
    const d = (b: string) => decodeOk(hex(b)).value;
    expect(encodeGob(3, GOB_INT).toString('hex')).toBe('03040006');
    expect(encodeGob(-129, GOB_INT).toString('hex')).toBe('050400fe0101');
    expect(encodeGob(256, GOB_UINT).toString('hex')).toBe('050600fe0100');
    expect(encodeGob(7, GOB_UINT).toString('hex')).toBe('03060007');
    expect(encodeGob(17, GOB_FLOAT).toString('hex')).toBe('050800fe3140');
    expect(d('03040006')).toBe(3);
    expect(d('050600fe0100')).toBe(256);
  });

  it('Point{22, 33} is byte-identical to the documented stream', () => {
    const point: GobStructType = { kind: 'struct', name: 'Point', fields: [{ name: 'X', type: GOB_INT }, { name: 'Y', type: GOB_INT }] };
    const doc = `1f ff 81 03 01 01 05 50 6f 69 6e 74 01 ff 82 00 01 02 01 01 58 01 04 00 01 01 59 01 04 00 00 00
                 07 ff 82 01 2c 01 42 00`;
    expect(encodeGob({ X: 22, Y: 33 }, point).toString('hex')).toBe(hex(doc).toString('hex'));
    const d = decodeOk(hex(doc));
    expect({ value: d.value, type: d.type }).toEqual({ value: { X: 22, Y: 33 }, type: point });
  });
});

const nodeFields: GobField[] = [];
const NODE: GobStructType = { kind: 'struct', name: 'Node', fields: nodeFields };
nodeFields.push({ name: 'V', type: GOB_INT }, { name: 'Kids', type: sliceOf(NODE) });

describe('gob: round trips', () => {
  const cases: [string, unknown, GobType | undefined, GobValue?][] = [
    ['string', 'héllo', undefined],
    ['int -1', -1, undefined],
    ['int 2^53+1 as bigint', 2n ** 53n + 1n, undefined],
    ['unsafe integer number becomes exact int', 2 ** 60, undefined, 2n ** 60n],
    ['float NaN', Number.NaN, undefined],
    ['float -Inf', -Infinity, undefined],
    ['uint 0', 0, GOB_UINT],
    ['bool', false, undefined],
    ['bytes', Buffer.from('\x00\xff', 'latin1'), undefined],
    ['Uint8Array becomes Buffer', new Uint8Array([1, 2]), undefined, Buffer.from([1, 2])],
    ['complex', { real: 1, imag: -1 }, GOB_COMPLEX],
    ['[]string', ['a', ''], undefined],
    ['[]float64 from mixed ints and floats', [1, 2.5], undefined],
    ['[][]int', [[1], [], [2, 3]], undefined],
    ['[]interface{}', ['a', 1, null, [true]], undefined],
    ['map[string]string', { a: 'b' }, undefined],
    ['map[string]map[string]int', { a: { b: 1 } }, undefined],
    ['map[string]interface{}', { a: 1, b: 'x', c: null, d: { e: [1.5] } }, undefined],
    ['map[int]bool', new Map([[1, true], [-5, false]]), undefined],
    ['map[interface{}]string', new Map<unknown, string>([[1, 'a'], ['k', 'b']]), undefined],
    ['empty map', {}, undefined],
    ['recursive struct', { V: 1, Kids: [{ V: 2, Kids: [] }, { V: 3, Kids: [{ V: 4, Kids: [] }] }] }, NODE],
    ['struct with omitted zero fields', {}, NODE, { V: 0, Kids: [] }],
    ['[2]string array', ['x', 'y'], { kind: 'array', elem: GOB_STRING, len: 2 }],
    ['TextMarshaler value', '2024-01-01', { kind: 'gobEncoder', name: 'Day', via: 'text' }],
    ['BinaryMarshaler value', Buffer.from([7]), { kind: 'gobEncoder', name: 'Blob', via: 'binary' }],
    ['interface holding a struct', [gobInterface({ V: 9, Kids: [] }, NODE, 'main.Node')], sliceOf(GOB_INTERFACE), [{ V: 9, Kids: [] }]],
    ['interface in interface in interface', [[['deep', 1]]], undefined],
  ];
  it.each(cases)('%s', (_n, value, type, expected) => {
    const d = decodeOk(encodeGob(value, type));
    expect(d.value).toEqual(expected ?? value);
    if (type) expect(d.type.kind).toBe(type.kind);
  });

  it('decodes a map with a __proto__ key as an own property', () => {
    const v = decodeOk(encodeGob(JSON.parse('{"__proto__":"x"}'))).value as Record<string, GobValue>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('decodeGobStream shares type definitions across values, as one Go Encoder stream does', () => {
    const first = encodeGob(['a'], undefined);
    // A second Encode on the same encoder sends only (id, value): id 65 = []string here.
    const next = Buffer.from([0x06, 0xff, 0x82, 0x00, 0x01, 0x01, 0x62]);
    const r = decodeGobStream(Buffer.concat([first, next]));
    expect(r.ok && r.values.map((x) => x.value)).toEqual([['a'], ['b']]);
    const dup = decodeGobStream(Buffer.concat([first, first]));
    expect(dup.ok).toBe(false);
    expect(!dup.ok && dup.error.message).toMatch(/duplicate/);
    expect(dup.values).toHaveLength(1);
  });

  it('decodeGob ignores bytes after the first value, like one Decode call', () => {
    const b = Buffer.concat([encodeGob('a'), Buffer.from([0xff, 0xff])]);
    const r = decodeGob(b);
    expect(r.ok && r.value).toBe('a');
    expect(r.ok && r.bytesRead).toBe(b.length - 2);
  });
});

describe('gob: type inference rule', () => {
  it.each([
    ['x', 'string'],
    [true, 'bool'],
    [1, 'int64'],
    [1.5, 'float64'],
    [2 ** 63, 'float64'],
    [2n ** 63n, 'uint64'],
    [-1n, 'int64'],
    [Buffer.from('a'), '[]uint8'],
    [['a', 'b'], '[]string'],
    [[1, 2.5], '[]float64'],
    [[1, 'a'], '[]interface {}'],
    [[], '[]interface {}'],
    [['a', null], '[]interface {}'],
    [{ a: 'x' }, 'map[string]string'],
    [{ a: 1, b: 2 }, 'map[string]int64'],
    [{ a: { b: 'c' } }, 'map[string]map[string]string'],
    [{ a: 'x', b: 1 }, 'map[string]interface {}'],
    [{}, 'map[string]interface {}'],
    [new Map([[1, 'a']]), 'map[int64]string'],
  ].map(([v, n]) => [n, v]) as [string, unknown][])('infers %s', (name, value) => {
    expect(goTypeName(inferGobType(value))).toBe(name);
  });

  it('interns inferred types so equal shapes share one definition', () => {
    expect(inferGobType([['a']])).toBe(inferGobType([['b']]));
    expect(inferGobType({ a: { b: 1 } })).toBe(mapOf(GOB_STRING, mapOf(GOB_STRING, GOB_INT)));
  });

  it('refuses what has no gob type', () => {
    for (const v of [null, undefined, () => 1, Symbol('s'), new Date(0), 2n ** 64n]) {
      expect(() => inferGobType(v)).toThrow(GobEncodeError);
    }
  });
});

describe('gob: encoder errors are GobEncodeError with a path', () => {
  const S: GobStructType = { kind: 'struct', name: 'S', fields: [{ name: 'Name', type: GOB_STRING }, { name: 'Tags', type: sliceOf(GOB_INT) }] };
  it.each([
    ['nil top level', null, undefined, /cannot encode nil value/],
    ['wrong scalar', { Name: 1 }, S, /\.Name: expected string/],
    ['lower-case key', { name: 'x' }, S, /struct S has no field name/],
    ['bad element', { Tags: [1, 'x'] }, S, /\.Tags\[1\]: expected an int64/],
    ['nil element', { Tags: [null] }, S, /\.Tags\[0\]: nil element/],
    ['int64 overflow', 2n ** 63n, GOB_INT, /expected an int64/],
    ['fractional int', 1.5, GOB_INT, /expected an int64/],
    ['negative uint', -1, GOB_UINT, /expected a uint64/],
    ['array length', ['a'], { kind: 'array', elem: GOB_STRING, len: 2 }, /expected 2 elements/],
    ['map needs Map or object', 'x', mapOf(GOB_STRING, GOB_STRING), /expected a Map or plain object/],
    ['nil inside interface wrapper', [gobInterface(null, GOB_STRING)], sliceOf(GOB_INTERFACE), /nil pointer inside interface/],
  ] as [string, unknown, GobType | undefined, RegExp][])('%s', (_n, value, type, re) => {
    let err: unknown;
    try {
      encodeGob(value, type);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GobEncodeError);
    expect((err as GobEncodeError).code).toBe('GOB_ENCODE_INVALID');
    expect((err as Error).message).toMatch(re);
  });
});

function nestedInterfaces(depth: number): Buffer {
  // []interface{} holding []interface{} ... : each level is delta 0, count 1, name, id, len, inner value.
  const name = Buffer.from('[]interface {}');
  const sizes = [2]; // innermost: singleton delta 0, empty slice
  for (let i = 1; i <= depth; i++) sizes.push(3 + name.length + 2 + encodeUint(sizes[i - 1]!).length + sizes[i - 1]!);
  const inner = Buffer.alloc(sizes[depth]!);
  let off = 0;
  for (let i = depth; i >= 1; i--) {
    off += inner.write('0001', off, 'hex');
    inner[off++] = name.length;
    off += name.copy(inner, off);
    off += inner.write('ff82', off, 'hex');
    off += encodeUint(sizes[i - 1]!).copy(inner, off);
  }
  inner.write('0000', off, 'hex');
  const def = hex('ff81 02 01 02 ff82 00 01 10 00 00');
  const value = Buffer.concat([Buffer.from([0xff, 0x82]), inner]);
  return Buffer.concat([encodeUint(def.length), def, encodeUint(value.length), value]);
}

function msgs(...contents: string[]): Buffer {
  return Buffer.concat(contents.flatMap((c) => [encodeUint(hex(c).length), hex(c)]));
}

function encodeUint(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([256 - bytes.length, ...bytes]);
}

describe('gob: malformed input is a GOB_MALFORMED value', () => {
  it('the nested-interface builder is valid at a sane depth', () => {
    expect(decodeGob(nestedInterfaces(3)).ok).toBe(true);
  });

  // Each case is a list of message contents; msgs() prefixes their lengths.
  const SLICE_OF_STRING = 'ff81 02 01 02 ff82 00 01 0c 00 00';
  it.each([
    ['empty input', '', /EOF/],
    ['message longer than the input', '05 0c 00', /exceeds remaining input/],
    ['9-byte uint', 'f7 0102030405060708 09', /out of range/],
    ['string length past the message', msgs('0c 00 7f 61 62'), /exceeds remaining message/],
    ['huge string length', msgs('0c 00 f8 7fffffffffffffff'), /exceeds remaining message|out of range/],
    ['slice count far beyond the input', msgs(SLICE_OF_STRING, 'ff82 00 fc 7fffffff'), /element count/],
    ['map count beyond the input', msgs('ff81 04 01 02 ff82 00 01 0c 01 0c 00 00', 'ff82 00 fc 7fffffff'), /map size/],
    ['unknown type id', msgs('ff90 00'), /unknown type id/],
    ['reserved type id definition', msgs('0f 02 01 02 0e 00 01 0c 00 00'), /reserved/],
    ['duplicate type definition', msgs(SLICE_OF_STRING, SLICE_OF_STRING), /duplicate/],
    ['definition without wire type', msgs('ff81 00'), /defines no wire type/],
    ['extra data after a top-level definition', msgs(`${SLICE_OF_STRING} 99`), /extra data/],
    ['non-zero singleton delta', msgs('0c 01 00'), /non-zero delta/],
    ['struct field out of bounds', msgs('ff81 03 01 01 01 41 01 ff82 00 01 01 01 01 58 01 04 00 00 00', 'ff82 05 02 00'), /field delta 5 out of range|out of bounds/],
    ['array length mismatch', msgs('ff81 01 01 02 ff82 00 01 04 01 06 00 00', 'ff82 00 02 02 04'), /length mismatch/],
    ['interface name too long', msgs('ff81 02 01 02 ff82 00 01 10 00 00', `ff82 00 01 fe0401 ${'41'.repeat(1025)}`), /name too long/],
    ['interface name past the message', msgs('ff81 02 01 02 ff82 00 01 10 00 00', 'ff82 00 01 7f 41'), /exceeds remaining message/],
    ['slice element past the message', msgs(SLICE_OF_STRING, 'ff82 00 02 01 41'), /length exceeds input size/],
    ['type id beyond int32', msgs('f8 7fffffffffffffff 00'), /out of range/],
  ])('%s', (_n, bytes, re) => {
    const r = decodeGob(typeof bytes === 'string' ? hex(bytes) : bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('GOB_MALFORMED');
      expect(r.error.message).toMatch(re);
      expect(r.error.message).not.toMatch(/internal/);
    }
  });

  it('bounds nesting instead of overflowing the stack', () => {
    const r = decodeGob(nestedInterfaces(5000));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/nesting deeper than 256/);
    expect(decodeGob(nestedInterfaces(1000), { maxDepth: 5000 }).ok).toBe(true);
    // Past what the JS stack can take, the failure is still a value.
    const deep = decodeGob(nestedInterfaces(200_000), { maxDepth: 10_000_000 });
    expect(deep.ok).toBe(false);
  });

  it('rejects a 2^31-element slice declared in a few bytes without allocating it', () => {
    const body = msgs('ff81 02 01 02 ff82 00 01 0c 00 00', 'ff82 00 fc 7fffffff 00');
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const r = decodeGob(body);
    expect(r.ok).toBe(false);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });
});

describe('gob: decoder fuzz (seeded)', () => {
  it('mutated Go and Outrigger streams: never throws, never hangs, ok or GOB_MALFORMED', () => {
    const rnd = prng(0x90b);
    const int = (n: number) => Math.floor(rnd() * n);
    const seeds = [
      ...vectors.map((v) => hex(v.body_hex)),
      encodeGob({ V: 1, Kids: [{ V: 2, Kids: [] }] }, NODE),
      encodeGob(['a', 1, [true, { k: 'v' }], null]),
      nestedInterfaces(4),
    ];
    let ok = 0;
    let bad = 0;
    for (let i = 0; i < 5000; i++) {
      let b = Buffer.from(seeds[int(seeds.length)]!);
      const op = int(5);
      if (op === 0) b = Buffer.from(Array.from({ length: int(48) }, () => int(256)));
      for (let m = int(4) + (op === 1 ? 1 : 0); m > 0 && b.length > 0; m--) b[int(b.length)] = int(256);
      if (op === 2) b = b.subarray(0, int(b.length + 1));
      if (op === 3 && b.length > 0) {
        const at = int(b.length);
        b = Buffer.concat([b.subarray(0, at), Buffer.from([int(256), int(256)]), b.subarray(at)]);
      }
      if (op === 4 && b.length > 2) b[int(b.length)] = [0x7f, 0x80, 0xf8, 0xff, 0xfc][int(5)]!;
      const r = decodeGob(b);
      if (r.ok) ok++;
      else {
        bad++;
        expect(r.error.code).toBe('GOB_MALFORMED');
        expect(r.error.message, b.toString('hex')).not.toMatch(/internal/);
      }
      const s = decodeGobStream(b);
      if (!s.ok) expect(s.error.code).toBe('GOB_MALFORMED');
    }
    expect(ok).toBeGreaterThan(100);
    expect(bad).toBeGreaterThan(1000);
  });
});
