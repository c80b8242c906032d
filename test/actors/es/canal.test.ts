import { describe, expect, it } from 'vitest';
import { decodeCanal, eventTimeMs, toCanalMessage, type CanalRowMessage } from '../../../actors/es/canal.ts';
import { fixtureLines } from './fixtures.ts';

describe('decodeCanal on real Canal messages', () => {
  const flink = fixtureLines('flink-products2.jsonl').map((l) => decodeCanal(Buffer.from(l)));

  it('decodes the Flink capture: INSERT, UPDATE with old, DELETE, DDL', () => {
    expect(flink.map((m) => (m.kind === 'ddl' ? `ddl:${m.type}` : m.type))).toEqual([
      'INSERT', 'UPDATE', 'UPDATE', 'INSERT', 'INSERT', 'UPDATE', 'UPDATE', 'DELETE', 'UPDATE', 'ddl:CREATE', 'DELETE',
    ]);
    const insert = flink[0] as CanalRowMessage;
    expect(insert).toMatchObject({ database: 'inventory', table: 'products2', pkNames: ['id'], es: 1589373515000, ts: 1589373515477 });
    expect(insert.data).toHaveLength(9);
    expect(insert.data[0]).toEqual({ id: '101', name: 'scooter', description: 'Small 2-wheel scooter', weight: '3.14' });
    expect(insert.sqlType).toEqual({ id: 4, name: 12, description: 12, weight: 7 });
    expect(insert.old).toEqual([]);
  });

  it('keeps old aligned with data for multi-row updates', () => {
    const multi = flink[8] as CanalRowMessage;
    expect(multi.data.map((r) => r.id)).toEqual(['101', '102']);
    expect(multi.old).toEqual([{ weight: '3.14' }, { weight: '8.1' }]);
  });

  it('reads DDL as ddl with its SQL, including database-level QUERY with es in seconds', () => {
    const ddl = flink[9]!;
    expect(ddl).toMatchObject({ kind: 'ddl', type: 'CREATE', table: 'user02' });
    const q = decodeCanal(fixtureLines('tencent-ddl-create-database.json')[0]!);
    expect(q).toMatchObject({ kind: 'ddl', type: 'QUERY', database: 'dip_test', table: '', es: 1655812326 });
    expect(eventTimeMs(1655812326)).toBe(1655812326000);
    expect(eventTimeMs(1589373515000)).toBe(1589373515000);
  });

  it('decodes NULL columns and typed metadata (bigint/date/datetime)', () => {
    const [ins, upd, del] = fixtureLines('bigdata-user-info.jsonl').map((l) => decodeCanal(l) as CanalRowMessage);
    expect(ins!.data[0]!.passwd).toBeNull();
    expect(ins!.mysqlType.birthday).toBe('date');
    expect(upd!.old).toEqual([{ name: 'test' }]);
    expect(del!.type).toBe('DELETE');
    expect(del!.data[0]!.name).toBe('update');
  });
});

describe('decodeCanal refuses what is not a Canal message, naming the problem', () => {
  const base = JSON.parse(fixtureLines('flink-products2.jsonl')[1]!) as Record<string, unknown>;
  const bad = (patch: Record<string, unknown>): unknown => ({ ...base, ...patch });
  const cases: [string, unknown, RegExp][] = [
    ['not JSON', '{"data":[', /not JSON/],
    ['an array', [1, 2], /JSON object/],
    ['database missing', bad({ database: undefined }), /'database'/],
    ['type missing', bad({ type: '' }), /'type'/],
    ['es not a number', bad({ es: '1589373546000' }), /'es'/],
    ['data not an array', bad({ data: { id: '1' } }), /'data'/],
    ['a value that is a number', bad({ data: [{ id: 106 }] }), /'data\[0\]\.id'/],
    ['old misaligned', bad({ old: [{}, {}] }), /'old' has 2 entries for 1 rows/],
    ['pkNames not strings', bad({ pkNames: [1] }), /'pkNames'/],
    ['empty table on a row event', bad({ table: '' }), /'table'/],
  ];
  for (const [name, value, re] of cases) {
    it(name, () => {
      const run = (): unknown => (typeof value === 'string' ? decodeCanal(value) : toCanalMessage(value));
      expect(run).toThrow(re);
      try {
        run();
      } catch (err) {
        expect((err as { code?: string }).code).toBe('CANAL_MALFORMED');
      }
    });
  }

  it('refuses an empty record (a tombstone)', () => {
    expect(() => decodeCanal(null)).toThrow(/empty record/);
    expect(() => decodeCanal(Buffer.alloc(0))).toThrow(/empty record/);
  });
});
