import { describe, expect, it } from 'vitest';
import { isProduceMany, parseProduce, parseProduceMany } from '../../../actors/kafka/produce-params.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';
import { prng } from '../../helpers/prng.ts';

function failure(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OutriggerError);
    const e = err as OutriggerError;
    return { code: e.code, field: (e.data as { field: string }).field };
  }
  throw new Error('expected an error');
}

const base = { connection: 'c', topic: 't' };

describe('kafka.produce params: the many-records form', () => {
  it('is chosen by the presence of messages', () => {
    expect(isProduceMany({ ...base, messages: [] })).toBe(true);
    expect(isProduceMany({ ...base, value: 'v' })).toBe(false);
    expect(isProduceMany(null)).toBe(false);
    expect(isProduceMany('messages')).toBe(false);
  });

  it('parses every record with the one-record form\'s field rules, in order', () => {
    const p = parseProduceMany(
      {
        ...base,
        sync_mode: true,
        messages: [
          { value: 'a', key: 'k', headers: { h: ['1', '2'] }, partition: 2, timestamp: 5 },
          { value: null },
          { value: { base64: 'AAE=' }, headers: [] },
        ],
      },
      10,
    );
    expect(p).toMatchObject({ connection: 'c', topic: 't', sync: true });
    expect(p.records).toHaveLength(3);
    expect(p.records[0]).toMatchObject({ topic: 't', partition: 2, timestamp: 5 });
    expect(p.records[0]!.key!.toString()).toBe('k');
    expect(p.records[0]!.headers.map((h) => [h.key, h.value.toString()])).toEqual([
      ['h', '1'],
      ['h', '2'],
    ]);
    expect(p.records[1]).toMatchObject({ topic: 't', key: null, value: null, headers: [] });
    expect([...p.records[2]!.value!]).toEqual([0, 1]);
    expect(parseProduceMany({ ...base, messages: [{ value: 'x' }] }, 1).sync).toBe(false);
  });

  it('names the bad field, with the index of the bad record', () => {
    const bad = (params: Record<string, unknown>): string => {
      const f = failure(() => parseProduceMany(params, 100));
      expect(f.code).toBe('INVALID_PARAMS');
      return f.field;
    };
    const msgs = (...m: unknown[]): Record<string, unknown> => ({ ...base, messages: m });
    expect(bad({ topic: 't', messages: [{ value: 'v' }] })).toBe('connection');
    expect(bad({ connection: 'c', messages: [{ value: 'v' }] })).toBe('topic');
    expect(bad({ ...base, messages: 'v' })).toBe('messages');
    expect(bad({ ...base, messages: [] })).toBe('messages');
    expect(bad({ ...base, messages: [{ value: 'v' }], value: 'v' })).toBe('value');
    expect(bad({ ...base, messages: [{ value: 'v' }], headers: {} })).toBe('headers');
    expect(bad({ ...base, messages: [{ value: 'v' }], sync: true })).toBe('sync');
    expect(bad({ ...base, messages: [{ value: 'v' }], sync_mode: 1 })).toBe('sync_mode');
    expect(bad(msgs({ value: 'ok' }, { value: 'ok' }, { value: 'ok' }, { value: 1 }))).toBe('messages[3].value');
    expect(bad(msgs({ value: 'ok' }, {}))).toBe('messages[1].value');
    expect(bad(msgs('just a string'))).toBe('messages[0]');
    expect(bad(msgs(null))).toBe('messages[0]');
    expect(bad(msgs({ value: 'v', topic: 'other' }))).toBe('messages[0].topic');
    expect(bad(msgs({ value: 'v' }, { value: 'v', key: 7 }))).toBe('messages[1].key');
    expect(bad(msgs({ value: 'v', partition: -1 }))).toBe('messages[0].partition');
    expect(bad(msgs({ value: 'v', timestamp: 'now' }))).toBe('messages[0].timestamp');
    expect(bad(msgs({ value: 'v', headers: { h: 3 } }))).toBe('messages[0].headers.h');
    expect(bad(msgs({ value: 'v', headers: [{ key: 'h', value: 'ok' }, { value: 'x' }] }))).toBe('messages[0].headers[1]');
    expect(bad(msgs({ value: 'v', headers: [{ key: 'h', value: 4 }] }))).toBe('messages[0].headers[0].value');
    const err = failure(() => parseProduceMany(msgs({ value: 'v' }, { value: 2 }), 100));
    expect(err).toEqual({ code: 'INVALID_PARAMS', field: 'messages[1].value' });
  });

  it('refuses more records than the cap with KAFKA_BATCH_TOO_LARGE, before parsing any of them', () => {
    const messages = Array.from({ length: 11 }, () => ({ value: 1 })); // every one invalid: the count is checked first
    let err: OutriggerError | undefined;
    try {
      parseProduceMany({ ...base, messages }, 10);
    } catch (e) {
      err = e as OutriggerError;
    }
    expect(err).toMatchObject({ code: 'KAFKA_BATCH_TOO_LARGE', data: { field: 'messages', count: 11, limit: 10 } });
    expect(parseProduceMany({ ...base, messages: messages.slice(0, 10).map(() => ({ value: 'v' })) }, 10).records).toHaveLength(10);
  });

  it('the one-record form still refuses unknown fields (a misspelt messages is not taken for many records)', () => {
    const f = failure(() => parseProduce({ ...base, value: 'v', mesages: [] }));
    expect(f).toEqual({ code: 'INVALID_PARAMS', field: 'mesages' });
  });

  it('fuzz (seeded): any params either parse or fail with INVALID_PARAMS / KAFKA_BATCH_TOO_LARGE, never another error', () => {
    const values = [null, 1, 'x', '', { base64: 'AAEC' }, { base64: '***' }, new Uint8Array([1]), [], {}, true, -1, 1.5];
    const keys = ['value', 'key', 'partition', 'headers', 'timestamp', 'topic', 'zzz'];
    for (const seed of [3, 17, 4242]) {
      const rand = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      for (let i = 0; i < 2000; i++) {
        const messages = rand() < 0.1 ? pick(values) : Array.from({ length: Math.floor(rand() * 6) }, () => {
          if (rand() < 0.1) return pick(values);
          const m: Record<string, unknown> = {};
          for (let k = Math.floor(rand() * 4); k > 0; k--) m[pick(keys)] = rand() < 0.3 ? { h: pick(values) } : pick(values);
          return m;
        });
        const params: Record<string, unknown> = { connection: pick(['c', '', 1]), topic: pick(['t', null]), messages };
        if (rand() < 0.3) params.sync_mode = pick([true, false, 'yes']);
        if (rand() < 0.1) params[pick(keys)] = pick(values);
        try {
          parseProduceMany(params, 4);
        } catch (err) {
          expect(err, `seed ${seed} case ${i}: ${JSON.stringify(params)}`).toBeInstanceOf(OutriggerError);
          expect(['INVALID_PARAMS', 'KAFKA_BATCH_TOO_LARGE']).toContain((err as OutriggerError).code);
        }
      }
    }
  });
});
