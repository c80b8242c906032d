import { describe, expect, it } from 'vitest';
import { decodeCanal, type CanalRowMessage } from '../../../actors/es/canal.ts';
import { defaultHandler } from '../../../actors/es/default-handler.ts';
import { doc, type DocOp, type RowChange } from '../../../actors/es/handler-api.ts';
import { columnConverters, typedRow } from '../../../actors/es/mysql-types.ts';
import { rowChanges } from '../../../actors/es/row-changes.ts';
import { fixtureLines } from './fixtures.ts';

const userInfo = fixtureLines('bigdata-user-info.jsonl').map((l) => decodeCanal(l) as CanalRowMessage);
const products = fixtureLines('flink-products2.jsonl').map((l) => decodeCanal(l));

describe('typed rows', () => {
  it('converts by java.sql.Types: bigint, date, datetime, NULL, float', () => {
    const [c] = rowChanges(userInfo[0]!);
    expect(c!.row).toMatchObject({ id: 10001, passwd: null, birthday: '1999-09-09', create_time: '2020-02-02T02:02:02', user_level: '3' });
    const [p] = rowChanges(products[0] as CanalRowMessage);
    expect(p!.row).toEqual({ id: 101, name: 'scooter', description: 'Small 2-wheel scooter', weight: 3.14 });
  });

  it('keeps what would lose precision as strings: DECIMAL, integers past 2^53', () => {
    const conv = columnConverters({ price: 3, big: -5, small: -5, flag: -6, bit: -7 }, { flag: 'tinyint(1)', big: 'bigint(20) unsigned' });
    expect(typedRow({ price: '12.50', big: '18446744073709551615', small: '42', flag: '1', bit: '0' }, conv)).toEqual({
      price: '12.50',
      big: '18446744073709551615',
      small: 42,
      flag: true,
      bit: false,
    });
  });

  it('ignores a __proto__ column instead of setting the prototype', () => {
    const row = typedRow(JSON.parse('{"__proto__":"x","a":"1"}') as Record<string, string>, new Map());
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(row).toEqual({ a: '1' });
  });

  it('exposes id, old values and changed()', () => {
    const [u] = rowChanges(userInfo[1]!);
    expect(u!.id).toBe('10001');
    expect(u!.old).toEqual({ name: 'test' });
    expect(u!.changed('name')).toBe(true);
    expect(u!.changed('email', 'gender')).toBe(false);
    const [i] = rowChanges(userInfo[0]!);
    expect(i!.old).toBeNull();
    expect(i!.changed('anything')).toBe(true);
  });
});

describe('default handler (table → index by primary key, no code)', () => {
  const run = (h: ReturnType<typeof defaultHandler>, c: RowChange): DocOp[] => {
    const fn = c.type === 'INSERT' ? h.insert : c.type === 'UPDATE' ? h.update : h.delete;
    const r = fn!(c, doc);
    return (Array.isArray(r) ? r : [r]) as DocOp[];
  };

  it('indexes inserts and full updates, deletes deletes', () => {
    const h = defaultHandler({ index: 'users', exclude: ['passwd'], partial: false }, 'bigdata.user_info');
    const [ins, upd, del] = userInfo.map((m) => rowChanges(m)[0]!);
    expect(run(h, ins!)).toEqual([expect.objectContaining({ action: 'index', index: 'users', id: '10001' })]);
    const insDoc = (run(h, ins!)[0] as { doc: Record<string, unknown> }).doc;
    expect(insDoc).not.toHaveProperty('passwd');
    expect(insDoc).toMatchObject({ name: 'test', create_time: '2020-02-02T02:02:02' });
    expect(run(h, upd!)).toEqual([expect.objectContaining({ action: 'index', id: '10001', doc: expect.objectContaining({ name: 'update' }) })]);
    expect(run(h, del!)).toEqual([{ action: 'delete', index: 'users', id: '10001' }]);
  });

  it('partial: true updates only the changed columns and creates from the full row if missing', () => {
    const h = defaultHandler({ index: 'users', exclude: [], partial: true }, 'bigdata.user_info');
    const [op] = run(h, rowChanges(userInfo[1]!)[0]!) as Extract<DocOp, { action: 'update' }>[];
    expect(op).toMatchObject({ action: 'update', id: '10001', doc: { name: 'update' } });
    expect(op!.upsert).toMatchObject({ id: 10001, name: 'update', email: '111@gmail.com' });
  });

  it('an UPDATE that changes the key deletes the old document', () => {
    const m = { ...userInfo[1]!, old: [{ id: '10000' }] } as CanalRowMessage;
    const h = defaultHandler({ index: 'users', exclude: [], partial: false }, 'bigdata.user_info');
    expect(run(h, rowChanges(m)[0]!).map((o) => [o.action, 'id' in o ? o.id : ''])).toEqual([
      ['delete', '10000'],
      ['index', '10001'],
    ]);
  });

  it('composite and configured ids; a row without id fails with ES_HANDLER_FAILED', () => {
    const h = defaultHandler({ index: 'users', id: ['login_name', 'gender'], exclude: [], partial: false }, 'bigdata.user_info');
    expect(run(h, rowChanges(userInfo[0]!)[0]!)[0]).toMatchObject({ id: 'test_F' });
    const noPk = { ...userInfo[0]!, pkNames: [] } as CanalRowMessage;
    const h2 = defaultHandler({ index: 'users', exclude: [], partial: false }, 'bigdata.user_info');
    expect(() => run(h2, rowChanges(noPk)[0]!)).toThrow(expect.objectContaining({ code: 'ES_HANDLER_FAILED' }));
  });
});
