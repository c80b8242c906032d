// Every type and byte/word order decodes to the value another implementation
// wrote: pymodbus' BinaryPayloadBuilder and mbpoll (libmodbus), against both
// a libmodbus and a pymodbus server. Points are read as a gateway gets them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IspClient } from '../../../clients/ts/isp-client.ts';
import { type IspTestDaemon, pointsOf, startIspDaemon } from '../../helpers/isp-daemon.ts';
import { type PeerKind, type PyWrite, freePort, mbpoll, pymodbusWrite, startPeer, stopPeer } from '../../helpers/modbus-peers.ts';

const ORDERS = [
  ['big', 'big'],
  ['big', 'little'],
  ['little', 'big'],
  ['little', 'little'],
] as const;

// int64/uint64 values past 2^53 travel as strings into Python and are compared as exact digits.
const VALUES: Record<Exclude<PyWrite['type'], 'string'>, { value: number | string; words: number }> = {
  int16: { value: -12345, words: 1 },
  uint16: { value: 54321, words: 1 },
  int32: { value: -123456789, words: 2 },
  uint32: { value: 3123456789, words: 2 },
  int64: { value: '-1234567890123456789', words: 4 },
  uint64: { value: '18446744073709551615', words: 4 },
  float32: { value: 3.14159, words: 2 },
  float64: { value: -1.2345678901234e300, words: 4 },
};

interface Case {
  key: string;
  write: PyWrite;
  expected: unknown;
}

function pyCases(base: number): Case[] {
  const cases: Case[] = [];
  let address = base;
  for (const [type, v] of Object.entries(VALUES) as [PyWrite['type'], (typeof VALUES)['int16']][]) {
    for (const [byteorder, wordorder] of ORDERS) {
      // float32 3.14159 is reported as 3.14159 (the shortest decimal that round-trips), a literal, not recomputed here.
      cases.push({ key: `${type}_${byteorder}_${wordorder}`, write: { address, type, value: v.value, byteorder, wordorder }, expected: v.value });
      address += v.words;
    }
  }
  for (const text of ['hello', '°C']) {
    cases.push({ key: `string_${address}`, write: { address, type: 'string', value: text, byteorder: 'big', wordorder: 'big', quantity: 5 }, expected: text });
    address += 5;
  }
  return cases;
}

describe.each<PeerKind>(['libmodbus', 'pymodbus'])('types and orders against a %s server', (kind) => {
  let d: IspTestDaemon;
  let port: number;
  let gw: IspClient;
  const raw: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    await startPeer(kind, port);
    d = await startIspDaemon();
    gw = await d.gateway();
    gw.onRawLine = (l) => {
      if (l.includes('"DATA"')) raw.push(l);
    };
  });
  afterAll(async () => {
    await d?.stop();
    if (port) await stopPeer(port);
  });

  it('decodes values written by pymodbus BinaryPayloadBuilder in every byte/word order', async () => {
    const cases = pyCases(1000);
    await pymodbusWrite(
      port,
      cases.map((c) => c.write),
    );
    const registers = cases.map((c) => ({
      key: c.key,
      address: c.write.address,
      type: c.write.type,
      ...(c.write.type === 'string' ? { quantity: c.write.quantity } : {}),
      byte_order: c.write.byteorder,
      word_order: c.write.wordorder,
    }));
    const r = await gw.request('CONFIG', { name: `py-${kind}`, address: `127.0.0.1:${port}`, interval_ms: 200, registers });
    expect(r.payload).toMatchObject({ success: true, registers: cases.length });
    const points = await pointsOf(gw, `py-${kind}`, cases.map((c) => c.key));
    for (const c of cases) {
      const p = points.get(c.key)!;
      expect(p.type, c.key).toBe(c.write.type);
      if (typeof c.expected === 'string' && /^-?\d+$/.test(c.expected)) {
        // 64-bit: the DATA line carries the exact digits (JSON.parse would round them).
        expect(raw.some((l) => l.includes(`"key":"${c.key}"`) && l.includes(`"value":${c.expected},`)), c.key).toBe(true);
      } else expect(p.value, c.key).toBe(c.expected);
    }
    // On-demand reads agree, with 64-bit values as exact strings.
    const read = (await d.ipc.call('modbus.read', { device: `py-${kind}`, keys: ['int64_big_big', 'uint64_little_little', 'float32_little_big'] })) as {
      points: { key: string; value: unknown }[];
    };
    expect(read.points.map((p) => p.value)).toEqual(['-1234567890123456789', '18446744073709551615', 3.14159]);
  });

  it('decodes values written by mbpoll: 32-bit in both word orders, signed 16-bit, coils', async () => {
    await mbpoll(port, ['-t', '4:float', '-B', '-r', '2000'], [25.5]);
    await mbpoll(port, ['-t', '4:float', '-r', '2002'], [-0.75]);
    await mbpoll(port, ['-t', '4:int', '-B', '-r', '2004'], [-123456]);
    await mbpoll(port, ['-t', '4:int', '-r', '2006'], [7654321]);
    await mbpoll(port, ['-t', '4', '-r', '2008'], [64302]); // -1234 as a 16-bit two's complement
    await mbpoll(port, ['-t', '0', '-r', '2000'], [1, 0, 1]);
    const registers = [
      { key: 'f_abcd', address: 2000, type: 'float32' },
      { key: 'f_cdab', address: 2002, type: 'float32', word_order: 'little' },
      { key: 'i_abcd', address: 2004, type: 'int32' },
      { key: 'i_cdab', address: 2006, type: 'int32', word_order: 'little' },
      { key: 'i16', address: 2008, type: 'int16' },
      { key: 'u16', address: 2008, type: 'uint16' },
      { key: 'c0', address: 2000, type: 'bool' },
      { key: 'c1', address: 2001, type: 'bool', function: 1 },
      { key: 'c2', address: 2002, type: 'bool' },
      // Layout of the peers: IR[i] = 30000 + i, DI[i] = i % 2 == 1.
      { key: 'ir', address: 7, type: 'uint16', function: 4 },
      { key: 'di6', address: 6, type: 'bool', function: 2 },
      { key: 'di7', address: 7, type: 'bool', function: 2 },
    ];
    const name = `mb-${kind}`;
    expect((await gw.request('CONFIG', { name, address: `127.0.0.1:${port}`, interval_ms: 200, registers })).payload).toMatchObject({ success: true });
    const p = await pointsOf(gw, name, registers.map((r) => r.key));
    const values = Object.fromEntries([...p].map(([k, v]) => [k, v.value]));
    expect(values).toEqual({ f_abcd: 25.5, f_cdab: -0.75, i_abcd: -123456, i_cdab: 7654321, i16: -1234, u16: 64302, c0: true, c1: false, c2: true, ir: 30007, di6: false, di7: true });
  });
});
