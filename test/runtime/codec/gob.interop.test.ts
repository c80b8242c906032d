// Checks our gob bytes against the real Go decoder (goridge v3.8.3 ClientCodec),
// and our decoder against freshly generated Go bytes. Skipped when `go` is absent;
// the committed fixture keeps gob.test.ts meaningful without Go.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GOB_BOOL,
  GOB_BYTES,
  GOB_FLOAT,
  GOB_INT,
  GOB_INTERFACE,
  GOB_STRING,
  GOB_UINT,
  type GobField,
  type GobStructType,
  type GobType,
  decodeGob,
  decodeGobStream,
  encodeGob,
  gobInterface,
  mapOf,
  sliceOf,
} from '../../../runtime/codec/gob.ts';
import { encodeGoridgeError, encodeGoridgeReply } from '../../../runtime/codec/goridge.ts';
import { loadGobVectors, revive, type GobVector } from './gob-fixtures.ts';

const goDir = fileURLToPath(new URL('../../interop/go/', import.meta.url));
const binary = `${goDir}bin/gobvectors`;
const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;

interface CheckOut {
  id: string;
  ok: boolean;
  seq: number;
  method: string;
  rpc_error?: string;
  go_type?: string;
  json?: string;
  error?: string;
}

function runCheck(lines: { id: string; target: string; frame: Buffer }[], mode = 'check'): { status: number | null; out: Map<string, CheckOut> } {
  const input = lines.map((l) => JSON.stringify({ id: l.id, target: l.target, frame_hex: l.frame.toString('hex') })).join('\n');
  const res = spawnSync(binary, [mode], { input, encoding: 'utf8', timeout: 60_000 });
  const out = new Map<string, CheckOut>();
  for (const line of res.stdout.split('\n').filter(Boolean)) {
    const o = JSON.parse(line) as CheckOut;
    out.set(o.id, o);
  }
  return { status: res.status, out };
}

const INNER: GobStructType = {
  kind: 'struct',
  name: 'Inner',
  fields: [
    { name: 'Label', type: GOB_STRING },
    { name: 'Weight', type: GOB_FLOAT },
  ],
};
const PAYLOAD: GobStructType = {
  kind: 'struct',
  name: 'Payload',
  fields: [
    { name: 'Name', type: GOB_STRING },
    { name: 'Count', type: GOB_INT },
    { name: 'Ratio', type: GOB_FLOAT },
    { name: 'Enabled', type: GOB_BOOL },
    { name: 'Tags', type: sliceOf(GOB_STRING) },
    { name: 'Inner', type: INNER },
    { name: 'Items', type: sliceOf(INNER) },
    { name: 'Attrs', type: mapOf(GOB_STRING, GOB_STRING) },
    { name: 'Data', type: GOB_BYTES },
    { name: 'Neg', type: GOB_INT },
    { name: 'Big', type: GOB_UINT },
    { name: 'Any', type: GOB_INTERFACE },
  ],
};
const nodeFields: GobField[] = [];
const NODE: GobStructType = { kind: 'struct', name: 'Node', fields: nodeFields };
nodeFields.push({ name: 'Value', type: GOB_INT }, { name: 'Next', type: NODE });
const GO_MAP_SI = mapOf(GOB_STRING, GOB_INTERFACE); // registered by gobvectors as 'map[string]interface {}'

interface Case {
  id: string;
  target: string;
  value: unknown;
  type?: GobType;
  json: string;
  goType?: string;
}

const CASES: Case[] = [
  { id: 'string', target: 'string', value: 'hi', json: '"hi"' },
  { id: 'string-utf8', target: 'string', value: 'a/b é ✓ \u{1F600}', json: '"a/b é ✓ \u{1F600}"' },
  { id: 'string-empty', target: 'string', value: '', json: '""' },
  { id: 'bytes', target: 'bytes', value: Buffer.from([0, 1, 255]), json: '"AAH/"' },
  { id: 'int', target: 'int', value: 42, json: '42' },
  { id: 'int-neg', target: 'int', value: -129, json: '-129' },
  { id: 'int64-min', target: 'int64', value: -(2n ** 63n), json: '-9223372036854775808' },
  { id: 'int64-max-number', target: 'int64', value: 2 ** 62, json: '4611686018427387904' },
  { id: 'uint64-max', target: 'uint64', value: 2n ** 64n - 1n, json: '18446744073709551615' },
  { id: 'uint-explicit', target: 'uint64', value: 300, type: GOB_UINT, json: '300' },
  { id: 'float', target: 'float64', value: Math.PI, json: '3.141592653589793' },
  { id: 'float-17', target: 'float64', value: 17.5, json: '17.5' },
  { id: 'float-into-int-type', target: 'float64', value: 3, type: GOB_FLOAT, json: '3' },
  { id: 'bool-true', target: 'bool', value: true, json: 'true' },
  { id: 'bool-false', target: 'bool', value: false, json: 'false' },
  { id: 'strings', target: 'strings', value: ['a', 'b', ''], json: '["a","b",""]' },
  { id: 'ints', target: 'ints', value: [1, -2, 300], json: '[1,-2,300]' },
  { id: 'array3', target: 'array3', value: [1, 2, 3], type: { kind: 'array', elem: GOB_INT, len: 3 }, json: '[1,2,3]' },
  { id: 'map-ss', target: 'map_ss', value: JSON.parse('{"a":"1","b":"2","__proto__":"p"}') as unknown, json: '{"__proto__":"p","a":"1","b":"2"}' },
  { id: 'map-ss-empty', target: 'map_ss', value: {}, type: mapOf(GOB_STRING, GOB_STRING), json: '{}' },
  {
    id: 'map-si',
    target: 'map_si',
    value: { s: 'x', n: 7, f: 1.5, b: true, l: ['a'], nil: null, raw: Buffer.from([1]), o: gobInterface({ k: 'v' }, GO_MAP_SI) },
    json: '{"b":true,"f":1.5,"l":["a"],"n":7,"nil":null,"o":{"k":"v"},"raw":"AQ==","s":"x"}',
    goType: 'map[string]interface {}',
  },
  { id: 'map-is', target: 'map_is', value: new Map([[1, 'one'], [-2, 'minus two']]), json: '{"-2":"minus two","1":"one"}' },
  { id: 'map-is-object', target: 'map_is', value: { 5: 'five' }, type: mapOf(GOB_INT, GOB_STRING), json: '{"5":"five"}' },
  {
    id: 'iface-slice',
    target: 'iface_slice',
    value: ['a', 1, 2.5, true, Buffer.from([1]), gobInterface({ k: 'v' }, GO_MAP_SI), gobInterface([3n], sliceOf(GOB_INTERFACE)), null, gobInterface(7, GOB_INT, 'int')],
    json: '["a",1,2.5,true,"AQ==",{"k":"v"},[3],null,7]',
  },
  {
    id: 'payload',
    target: 'payload',
    type: PAYLOAD,
    value: {
      Name: 'x', Count: 2, Ratio: 0.5, Enabled: true, Tags: ['t1', 't2'], Inner: { Label: 'in', Weight: 1.5 },
      Items: [{ Label: 'a', Weight: 1 }, {}], Attrs: { k: 'v' }, Data: Buffer.from([9, 8]), Neg: -7, Big: 2n ** 64n - 1n, Any: 'dyn',
    },
    json: '{"Name":"x","Count":2,"Ratio":0.5,"Enabled":true,"Tags":["t1","t2"],"Inner":{"Label":"in","Weight":1.5},"Items":[{"Label":"a","Weight":1},{"Label":"","Weight":0}],"Attrs":{"k":"v"},"Data":"CQg=","Neg":-7,"Big":18446744073709551615,"Any":"dyn"}',
  },
  {
    id: 'payload-struct-in-interface',
    target: 'payload',
    type: PAYLOAD,
    value: { Name: 'y', Any: gobInterface({ Label: 'z', Weight: 2 }, { ...INNER, name: 'main.Inner' }) },
    json: '{"Name":"y","Count":0,"Ratio":0,"Enabled":false,"Tags":null,"Inner":{"Label":"","Weight":0},"Items":null,"Attrs":null,"Data":null,"Neg":0,"Big":0,"Any":{"Label":"z","Weight":2}}',
  },
  {
    id: 'payload-zero',
    target: 'payload',
    type: PAYLOAD,
    value: {},
    json: '{"Name":"","Count":0,"Ratio":0,"Enabled":false,"Tags":null,"Inner":{"Label":"","Weight":0},"Items":null,"Attrs":null,"Data":null,"Neg":0,"Big":0,"Any":null}',
  },
  { id: 'inners', target: 'inners', type: sliceOf(INNER), value: [{ Label: 'a', Weight: 1 }, {}], json: '[{"Label":"a","Weight":1},{"Label":"","Weight":0}]' },
  { id: 'node', target: 'node', type: NODE, value: { Value: 1, Next: { Value: 2, Next: { Value: 3 } } }, json: '{"Value":1,"Next":{"Value":2,"Next":{"Value":3,"Next":null}}}' },
];

describe.skipIf(!hasGo)('gob interop with Go (goridge v3.8.3 ClientCodec)', () => {
  beforeAll(() => {
    execFileSync('go', ['build', '-o', 'bin/gobvectors', './gobvectors'], { cwd: goDir, stdio: 'pipe', timeout: 240_000 });
  }, 300_000);

  it('Go decodes every body we encode, inside goridge reply frames we encode', () => {
    const lines = CASES.map((c, i) => ({ id: c.id, target: c.target, frame: encodeGoridgeReply(i, 'App.Echo', 0x20, encodeGob(c.value, c.type)) }));
    lines.push({ id: 'error-frame', target: 'string', frame: encodeGoridgeError(2 ** 32 - 1, 'App.Fail', 0x20, 'kafka: broker unavailable') });
    const { status, out } = runCheck(lines);
    for (const [i, c] of CASES.entries()) {
      const o = out.get(c.id);
      expect(o, c.id).toBeDefined();
      expect(o!.error, c.id).toBeUndefined();
      expect({ id: c.id, json: o!.json, seq: o!.seq, method: o!.method }).toEqual({ id: c.id, json: c.json, seq: i, method: 'App.Echo' });
      if (c.goType) expect(o!.go_type).toBe(c.goType);
    }
    expect(out.get('error-frame')).toMatchObject({ ok: true, seq: 2 ** 32 - 1, method: 'App.Fail', rpc_error: 'kafka: broker unavailable' });
    expect(status).toBe(0);
  });

  it('values decoded from Go bytes re-encode (with their decoded types) into what Go sent', () => {
    const targets: Record<string, string> = {
      payload: 'payload', payload_zero: 'payload', inners: 'inners', node: 'node', stamped: 'stamped',
      map_ss: 'map_ss', map_si: 'map_si', map_is: 'map_is', iface_slice: 'iface_slice', strings: 'strings',
      array3: 'array3', uint64_max: 'uint64', int64_min: 'int64', float64_pi: 'float64', bytes: 'bytes',
    };
    const fresh = JSON.parse(execFileSync(binary, ['gen'], { encoding: 'utf8' })) as { vectors: GobVector[] };
    const lines: { id: string; target: string; frame: Buffer }[] = [];
    for (const v of fresh.vectors) {
      const target = targets[v.name];
      if (target === undefined) continue;
      const d = decodeGob(Buffer.from(v.body_hex, 'hex'));
      expect(d.ok, v.name).toBe(true);
      if (!d.ok) continue;
      // Interfaces carry no static type, so re-encoding them uses inference; nested
      // dynamic maps must keep Go's registered name.
      const value = v.name === 'iface_slice'
        ? (d.value as unknown[]).map((x) => (x instanceof Map || (x !== null && typeof x === 'object' && !Buffer.isBuffer(x) && !Array.isArray(x)) ? gobInterface(x, GO_MAP_SI) : Array.isArray(x) ? gobInterface(x, sliceOf(GOB_INTERFACE)) : x))
        : d.value;
      lines.push({ id: v.name, target, frame: encodeGoridgeReply(1, 'App.Echo', 0x20, encodeGob(value, d.type)) });
    }
    const { status, out } = runCheck(lines);
    for (const l of lines) expect(out.get(l.id)?.error, l.id).toBeUndefined();
    expect(status).toBe(0);
    expect(out.get('stamped')?.json).toBe('{"Label":"t","When":"2024-07-23T12:00:00Z"}');
    expect(out.get('uint64_max')?.json).toBe('18446744073709551615');
  });

  it('freshly generated Go bodies decode to the expected values, same as the committed fixture', () => {
    const fresh = JSON.parse(execFileSync(binary, ['gen'], { encoding: 'utf8' })) as { vectors: GobVector[] };
    const committed = loadGobVectors();
    expect(fresh.vectors.map((v) => v.name)).toEqual(committed.map((v) => v.name));
    for (const [i, v] of fresh.vectors.entries()) {
      expect(v.expected, v.name).toEqual(committed[i]!.expected);
      const d = decodeGob(Buffer.from(v.body_hex, 'hex'));
      expect(d.ok && d.value, v.name).toEqual(revive(v.expected));
    }
  });

  it('Go rejects a dynamic type it has not registered, and the checker exits non-zero', () => {
    const body = encodeGob({ o: { k: 'v' }, n: 1 }); // inner map infers map[string]string, not registered in Go
    const { status, out } = runCheck([{ id: 'unregistered', target: 'map_si', frame: encodeGoridgeReply(1, 'App.Echo', 0x20, body) }]);
    expect(out.get('unregistered')?.error).toMatch(/name not registered for interface: "map\[string\]string"/);
    expect(status).toBe(1);
  });

  it('ClientCodec makes a NEW gob decoder per frame: each reply body must carry its own type definitions', () => {
    const first = encodeGob(['a']); // defines []string as id 65, then the value
    const secondEncodeOnSameStream = Buffer.from('06ff8200010162', 'hex'); // (65, ["b"]) with no definition
    expect(decodeGobStream(Buffer.concat([first, secondEncodeOnSameStream])).ok).toBe(true); // fine on one gob stream
    const reply = (seq: number, body: Buffer) => encodeGoridgeReply(seq, 'App.Echo', 0x20, body);

    const dependent = runCheck([
      { id: 'first', target: 'strings', frame: reply(1, first) },
      { id: 'second', target: 'strings', frame: reply(2, secondEncodeOnSameStream) },
    ], 'check-shared');
    expect(dependent.out.get('first')).toMatchObject({ ok: true, json: '["a"]' });
    expect(dependent.out.get('second')?.error).toMatch(/gob/);
    expect(dependent.status).toBe(1);

    const selfContained = runCheck([
      { id: 'first', target: 'strings', frame: reply(1, first) },
      { id: 'second', target: 'strings', frame: reply(2, encodeGob(['b'])) },
    ], 'check-shared');
    expect(selfContained.out.get('second')).toMatchObject({ ok: true, json: '["b"]' });
    expect(selfContained.status).toBe(0);
  });
});
