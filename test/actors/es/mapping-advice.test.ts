// docs/es-pipeline.md's mapping advice, checked on each real cluster: the
// values of one column as the pipeline types them (mysql-types.ts), written in
// binlog order into an index with a dynamic (quick-start) mapping and with the
// advised one. With the dynamic mapping the first value fixes the field type
// and a later value of the same column is refused or silently changed; with the
// advised mapping every value lands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnConverters, typedRow, type Cell } from '../../../actors/es/mysql-types.ts';
import { lockSearchPeers } from './peers.ts';
import { CLUSTERS } from './search-peers.ts';

/** Canal's [sqlType, string] of each value, in binlog order. */
type Values = [number, string][];

const typed = (mysqlType: string, values: Values): Cell[] => values.map(([sqlType, raw]) => typedRow({ c: raw }, columnConverters({ c: sqlType }, { c: mysqlType })).c!);

const UNSIGNED_BIGINT = typed('bigint(20) unsigned', [[-5, '42'], [-5, '9007199254740993'], [3, '18446744073709551615']]);
const BOOLEAN_ISH = typed('tinyint(1)', [[-6, '1'], [-6, '2']]);
const FLOAT = typed('float', [[7, '5.0'], [7, '5.5']]);
const DATETIME = typed('datetime', [[93, '2020-02-02 02:02:02'], [93, '0000-00-00 00:00:00']]);

interface Item {
  status: number;
  error?: { type: string };
}

describe.each(CLUSTERS)('mapping advice on $name', (cluster) => {
  const sfx = `${cluster.type}${Date.now().toString(36)}`;
  let n = 0;
  const created: string[] = [];
  let unlock = (): void => {};
  beforeAll(async () => {
    unlock = await lockSearchPeers();
    const p = await cluster.problem();
    if (p) throw new Error(p);
  }, 900_000);
  afterAll(async () => {
    for (const i of created) await cluster.request('DELETE', `/${i}`);
    unlock();
  });

  /** Writes the values as documents 1..n of a new index (`field` mapping, or dynamic); returns each item's status and the field's mapped type. */
  async function write(values: Cell[], field?: Record<string, unknown>): Promise<{ items: Item[]; type: string; index: string }> {
    const index = `mapping_${sfx}_${n++}`;
    created.push(index);
    await cluster.recreateIndex(index, field ? { properties: { c: field } } : undefined);
    const body = values.map((c, i) => `{"index":{"_index":"${index}","_id":"${i + 1}"}}\n${JSON.stringify({ c })}\n`).join('');
    const res = await fetch(`${cluster.url}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const out = (await res.json()) as { items: { index: Item }[] };
    const mapping = await cluster.request<Record<string, { mappings: { properties: { c: { type: string } } } }>>('GET', `/${index}/_mapping`);
    return { items: out.items.map((i) => i.index), type: mapping.body[index]!.mappings.properties.c.type, index };
  }
  const statuses = (items: Item[]): number[] => items.map((i) => i.status);
  const hits = async (index: string, query: unknown): Promise<number> =>
    (await cluster.request<{ hits: { total: { value: number } } }>('POST', `/${index}/_search`, { query })).body.hits.total.value;

  it('unsigned BIGINT: a dynamic long refuses the first value at or above 2^63; keyword (and unsigned_long where it exists) takes all', async () => {
    expect(UNSIGNED_BIGINT).toEqual([42, '9007199254740993', '18446744073709551615']);
    const dynamic = await write(UNSIGNED_BIGINT);
    expect(dynamic.type).toBe('long');
    expect(statuses(dynamic.items)).toEqual([201, 201, 400]);
    expect(dynamic.items[2]!.error?.type).toBe('mapper_parsing_exception');
    expect(statuses((await write(UNSIGNED_BIGINT, { type: 'keyword' })).items)).toEqual([201, 201, 201]);
    // A first value past 2^53 arrives as a string: the dynamic mapping makes the column text.
    expect((await write([...UNSIGNED_BIGINT].reverse())).type).toBe('text');
    if (cluster.type === 'opensearch') {
      const u = await write(UNSIGNED_BIGINT, { type: 'unsigned_long' });
      expect(statuses(u.items)).toEqual([201, 201, 201]);
      expect(await hits(u.index, { range: { c: { gte: '9223372036854775808' } } })).toBe(1);
    } else {
      // The Elasticsearch peer is the OSS build: unsigned_long comes with the default distribution (x-pack) from 7.10.
      const r = await cluster.request('PUT', `/mapping_${sfx}_ul`, { mappings: { properties: { c: { type: 'unsigned_long' } } } });
      expect(r.status).toBe(400);
    }
  });

  it('tinyint(1): true/false for 0 and 1, a number otherwise; a dynamic boolean refuses 2, keyword takes both', async () => {
    expect(BOOLEAN_ISH).toEqual([true, 2]);
    const dynamic = await write(BOOLEAN_ISH);
    expect(dynamic.type).toBe('boolean');
    expect(statuses(dynamic.items)).toEqual([201, 400]);
    expect(statuses((await write(BOOLEAN_ISH, { type: 'keyword' })).items)).toEqual([201, 201]);
  });

  it('FLOAT/DOUBLE: an integral first value maps the column long, and 5.5 is then indexed as 5; double keeps it', async () => {
    expect(FLOAT).toEqual([5, 5.5]);
    const dynamic = await write(FLOAT);
    expect(dynamic.type).toBe('long');
    expect(statuses(dynamic.items)).toEqual([201, 201]);
    expect(await hits(dynamic.index, { range: { c: { gt: 5 } } })).toBe(0);
    const double = await write(FLOAT, { type: 'double' });
    expect(await hits(double.index, { range: { c: { gt: 5 } } })).toBe(1);
  });

  it('DATETIME zero dates: a date field refuses them; ignore_malformed (or keyword) takes them', async () => {
    expect(DATETIME).toEqual(['2020-02-02T02:02:02', '0000-00-00T00:00:00']);
    const dynamic = await write(DATETIME);
    expect(dynamic.type).toBe('date');
    expect(statuses(dynamic.items)).toEqual([201, 400]);
    expect(statuses((await write(DATETIME, { type: 'date', ignore_malformed: true })).items)).toEqual([201, 201]);
  });

  it('DECIMAL: an exact string; dynamic mapping makes it text, scaled_float or double read it as a number', async () => {
    const values = typed('decimal(10,2)', [[3, '19.90'], [3, '5.05']]);
    expect((await write(values)).type).toBe('text');
    const scaled = await write(values, { type: 'scaled_float', scaling_factor: 100 });
    expect(statuses(scaled.items)).toEqual([201, 201]);
    expect(await hits(scaled.index, { range: { c: { gte: 19.9 } } })).toBe(1);
  });
});
