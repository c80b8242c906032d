import { describe, expect, it } from 'vitest';
import { fromBytes, toBytes } from '../../../actors/kafka/bytes.ts';
import { connectionOf, parseAck, parseInit, parseReceive } from '../../../actors/kafka/params.ts';
import { parseProduce } from '../../../actors/kafka/produce-params.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';
import { prng } from '../../helpers/prng.ts';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OutriggerError);
    expect((err as OutriggerError).code).toBe('INVALID_PARAMS');
    return ((err as OutriggerError).data as { field: string }).field;
  }
  throw new Error('expected INVALID_PARAMS');
}

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 2 ? 7 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return Math.floor(rand() * 2000) - 1000;
    case 3:
      return rand() * 1e6;
    case 4:
      return ['', 'x', 'connection', 'AtStart', '🙂', 'a'.repeat(100)][Math.floor(rand() * 6)];
    case 5:
      return new Uint8Array([1, 2, 3]);
    case 6:
      return { base64: ['AAEC', '***', '', 'QQ=='][Math.floor(rand() * 4)] };
    case 7:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    default: {
      const keys = ['connection', 'topic', 'value', 'key', 'partition', 'headers', 'timestamp', 'sync_mode', 'group_options', 'consume_options', 'topics', 'records', 'size', 'zzz'];
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 6); i > 0; i--) o[keys[Math.floor(rand() * keys.length)]!] = randomValue(rand, depth + 1);
      return o;
    }
  }
}

describe('kafka params', () => {
  it('parses an App API produce message (PHP json_encode of an empty headers array is [])', () => {
    const p = parseProduce({ connection: 'kafka-common', topic: 't', value: 'v', headers: [], sync_mode: true });
    expect(p).toMatchObject({ connection: 'kafka-common', sync: true, record: { topic: 't', key: null, headers: [] } });
    expect(p.record.value!.toString()).toBe('v');
    expect(typeof p.record.value).toBe('string'); // kept as sent: kafkajs encodes it once
    const h = parseProduce({ connection: 'c', topic: 't', value: null, key: { base64: 'AAE=' }, headers: { a: ['1', '2'], b: new Uint8Array([9]) }, partition: 2, timestamp: 5 });
    expect(h.record.value).toBeNull();
    expect([...h.record.key!]).toEqual([0, 1]);
    expect(h.record.headers.map((x) => [x.key, [...x.value]])).toEqual([
      ['a', [49]],
      ['a', [50]],
      ['b', [9]],
    ]);
    expect(h.record).toMatchObject({ partition: 2, timestamp: 5 });
    expect(h.sync).toBe(false);
  });

  it('names the bad field', () => {
    expect(fieldOf(() => parseProduce(null))).toBe('');
    expect(fieldOf(() => parseProduce({ topic: 't', value: 'v' }))).toBe('connection');
    expect(fieldOf(() => parseProduce({ connection: 'c', value: 'v' }))).toBe('topic');
    expect(fieldOf(() => parseProduce({ connection: 'c', topic: 't' }))).toBe('value');
    expect(fieldOf(() => parseProduce({ connection: 'c', topic: 't', value: 1 }))).toBe('value');
    expect(fieldOf(() => parseProduce({ connection: 'c', topic: 't', value: 'v', partition: -1 }))).toBe('partition');
    expect(fieldOf(() => parseProduce({ connection: 'c', topic: 't', value: 'v', timestamp: 1.5 }))).toBe('timestamp');
    expect(fieldOf(() => parseProduce({ connection: 'c', topic: 't', value: 'v', sync_mode: 'yes' }))).toBe('sync_mode');
    expect(fieldOf(() => parseProduce({ connection: 'c', topic: 't', value: 'v', headers: { h: 3 } }))).toBe('headers.h');
    expect(fieldOf(() => parseProduce({ connection: 'c', topic: 't', value: 'v', headers: [{ value: 'x' }] }))).toBe('headers[0]');
    expect(fieldOf(() => parseProduce({ connection: 'c', topic: 't', value: 'v', sync: true }))).toBe('sync');
    expect(fieldOf(() => parseInit({ connection: 'c', group_options: { group_id: 'g' }, consume_options: { topics: [] } }))).toBe('consume_options.topics');
    expect(fieldOf(() => parseInit({ connection: 'c', group_options: { group_id: 'g', session_timeout: '10 s' }, consume_options: { topics: ['t'] } }))).toBe(
      'group_options.session_timeout',
    );
    expect(fieldOf(() => parseReceive({ connection: 'c', topic: 't', size: 0 }))).toBe('size');
    expect(fieldOf(() => parseAck({ connection: 'c', topic: 't', records: [{ partition: 0 }] }))).toBe('records.0.offset');
    expect(fieldOf(() => connectionOf('produce', { topic: 't' }))).toBe('connection');
    expect(fieldOf(() => connectionOf('connections.set', { connection: 'c' }))).toBe('name');
  });

  it('reads App API consume options: offset types, durations, defaults', () => {
    const p = parseInit({
      connection: 'c',
      group_options: { group_id: 'g', session_timeout: '10s', heartbeat_interval: 500 },
      consume_options: { topics: ['t'], offset: 'AtStart', fetch_size: 1024, concurrency: 64 },
    });
    expect(p.group_options).toMatchObject({ session_timeout: 10_000, heartbeat_interval: 500 });
    expect(p.consume_options).toMatchObject({ offset: 'start', fetch_size: 1024, concurrency: 64 });
    for (const [raw, want] of [['AtEnd', 'end'], ['earliest', 'start'], ['LATEST', 'end'], ['at_start', 'start']] as const) {
      expect(parseInit({ connection: 'c', group_options: { group_id: 'g' }, consume_options: { topics: ['t'], offset: raw } }).consume_options.offset).toBe(want);
    }
    expect(parseReceive({ connection: 'c', topic: 't' })).toEqual({ connection: 'c', topic: 't', size: 1, max_wait_ms: 500, encoding: 'auto' });
  });

  it('encodes bytes losslessly: text as strings, anything else as base64', () => {
    expect(fromBytes(Buffer.from('héllo'), 'auto')).toBe('héllo');
    expect(fromBytes(Buffer.from([0xc3, 0x28]), 'auto')).toEqual({ base64: 'wyg=' });
    expect(fromBytes(Buffer.from('x'), 'base64')).toEqual({ base64: 'eA==' });
    expect(fromBytes(null, 'auto')).toBeNull();
    const raw = Buffer.from([0, 255]);
    expect(fromBytes(raw, 'bytes')).toBe(raw);
    for (const b of [Buffer.from([0, 1, 2, 250]), Buffer.from('plain'), Buffer.alloc(0)]) {
      expect(Buffer.compare(toBytes(fromBytes(b, 'auto'), 'v'), b)).toBe(0);
    }
    expect(() => toBytes({ base64: 'abc' }, 'v')).toThrow(/base64/);
    expect(() => toBytes({ base64: 'AAEC', extra: 1 }, 'v')).toThrow(/base64/);
  });

  it('fuzz (seeded): any params either parse or fail with INVALID_PARAMS, never another error', () => {
    const parsers = [parseProduce, parseInit, parseReceive, parseAck, (p: unknown) => connectionOf('produce', p)];
    for (const seed of [1, 7, 99, 2024, 31337]) {
      const rand = prng(seed);
      for (let i = 0; i < 2000; i++) {
        const input = randomValue(rand);
        for (const parse of parsers) {
          try {
            parse(input);
          } catch (err) {
            expect(err, `seed ${seed} case ${i}: ${JSON.stringify(input)}`).toBeInstanceOf(OutriggerError);
            expect((err as OutriggerError).code).toBe('INVALID_PARAMS');
          }
        }
      }
    }
  });
});
