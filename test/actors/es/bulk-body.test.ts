import { describe, expect, it } from 'vitest';
import { bulkLines, documentKey, documentOf, PARTIAL_UPDATE_GUARD } from '../../../actors/es/bulk-body.ts';
import { doc } from '../../../actors/es/handler-api.ts';

const lines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

describe('bulkLines', () => {
  const v = '1707146093823381513';

  it('index and delete carry the version as an exact external_gte version', () => {
    const idx = bulkLines({ op: doc.index('users', 7, { a: 1 }) as never, version: v, source: 'db.t' }, '_cdc');
    expect(idx).toBe(`{"index":{"_index":"users","_id":"7","version":${v},"version_type":"external_gte"}}\n{"a":1}\n`);
    const del = bulkLines({ op: doc.delete('users', 'x"y', { routing: 'r' }) as never, version: v, source: 'db.t' }, '_cdc');
    expect(lines(del)).toEqual([{ delete: { _index: 'users', _id: 'x"y', routing: 'r', version: Number(v), version_type: 'external_gte' } }]);
    expect(del).toContain(`"version":${v}`);
  });

  it('update is a guarded painless script with the table as guard key', () => {
    const text = bulkLines({ op: doc.update('orders', 1, { status: 'paid' }) as never, version: v, source: 'shop.orders' }, '_cdc');
    const [meta, body] = lines(text) as [Record<string, unknown>, { script: { source: string; params: Record<string, unknown> } }];
    expect(meta).toEqual({ update: { _index: 'orders', _id: '1', retry_on_conflict: 3 } });
    expect(body.script.source).toBe(PARTIAL_UPDATE_GUARD);
    expect(body.script.params).toMatchObject({ f: '_cdc', k: 'shop.orders', doc: { status: 'paid' } });
    expect(text).toContain(`"v":${v}`);
    expect(body).not.toHaveProperty('upsert');
  });

  it('update with upsert creates the document (from fields, or from a given document)', () => {
    const plain = lines(bulkLines({ op: doc.update('o', 1, { s: 1 }, { upsert: true }) as never, version: v, source: 'a.b' }, '_v'))[1];
    expect(plain).toMatchObject({ scripted_upsert: true, upsert: {} });
    const full = lines(bulkLines({ op: doc.update('o', 1, { s: 1 }, { upsert: { s: 0, t: 2 } }) as never, version: v, source: 'a.b' }, '_v'))[1];
    expect(full).toMatchObject({ scripted_upsert: true, script: { params: { u: { s: 0, t: 2 } } } });
  });

  it('serialization failures surface (BigInt in a document)', () => {
    expect(() => bulkLines({ op: doc.index('i', 1, { n: 1n }) as never, version: v, source: 'a.b' }, '_v')).toThrow();
  });

  it('documentKey separates index and id', () => {
    expect(documentKey(doc.index('a', 'b', {}) as never)).not.toBe(documentKey(doc.index('ab', '', {}) as never));
  });

  it('documentOf reads the document back out of the lines (dead letters keep only the lines)', () => {
    expect(documentOf('index', bulkLines({ op: doc.index('i', 1, { a: 'x' }) as never, version: v, source: 'a.b' }, '_v'))).toEqual({ a: 'x' });
    expect(documentOf('update', bulkLines({ op: doc.update('i', 1, { s: 2 }, { upsert: { s: 0 } }) as never, version: v, source: 'a.b' }, '_v'))).toEqual({ s: 2 });
  });
});
