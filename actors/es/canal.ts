// Canal "flat message" codec: the JSON Canal writes to Kafka when
// `canal.mq.flatMessage = true`. Pure: bytes in, a validated message or a
// specific reason out; no I/O.
//
// Layout (one JSON object per Kafka record value, UTF-8), as built by
// com.alibaba.otter.canal.protocol.FlatMessage#messageConverter:
//
//   {
//     "id":        long      canal batch id (several messages share one; not an ordering key)
//     "database":  string    schema name
//     "table":     string    table name ("" for database-level DDL)
//     "pkNames":   [string] | null   primary-key columns (null for DDL or tables without a key)
//     "isDdl":     boolean
//     "type":      "INSERT" | "UPDATE" | "DELETE"            row events
//                | "CREATE" | "ALTER" | "ERASE" | "QUERY" | "TRUNCATE" | "RENAME" | "CINDEX" | "DINDEX" | ...  DDL
//     "es":        long      binlog event time, epoch ms (MySQL stores seconds, so usually a multiple of 1000;
//                            some Canal-compatible producers send seconds)
//     "ts":        long      time Canal built the message, epoch ms
//     "sql":       string    DDL text ("" for row events)
//     "sqlType":   {column: int}     java.sql.Types code per column (null for DDL)
//     "mysqlType": {column: string}  MySQL column type, e.g. "bigint(20) unsigned" (null for DDL)
//     "data":      [{column: string | null}] | null   row images: after-image for INSERT/UPDATE,
//                                                       before-image for DELETE; every value is a string
//     "old":       [{column: string | null}] | null   UPDATE only: previous values of the changed columns,
//                                                       one entry per row of `data`, same order
//   }
import { OutriggerError } from '../../runtime/errors/error.ts';

export type RowEventType = 'INSERT' | 'UPDATE' | 'DELETE';
export type RawRow = Readonly<Record<string, string | null>>;

export interface CanalRowMessage {
  readonly kind: 'rows';
  readonly id: number;
  readonly database: string;
  readonly table: string;
  readonly type: RowEventType;
  readonly pkNames: readonly string[];
  readonly es: number;
  readonly ts: number;
  readonly sqlType: Readonly<Record<string, number>>;
  readonly mysqlType: Readonly<Record<string, string>>;
  readonly data: readonly RawRow[];
  /** Same length as `data` for UPDATE (an entry may be empty); empty otherwise. */
  readonly old: readonly RawRow[];
}

export interface CanalDdlMessage {
  readonly kind: 'ddl';
  readonly database: string;
  readonly table: string;
  readonly type: string;
  readonly sql: string;
  readonly es: number;
}

export type CanalMessage = CanalRowMessage | CanalDdlMessage;

const ROW_TYPES: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE']);
type Json = Record<string, unknown>;

function malformed(message: string, field?: string): OutriggerError {
  return new OutriggerError('CANAL_MALFORMED', message, field === undefined ? undefined : { field });
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function epoch(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw malformed(`'${field}' must be a non-negative number`, field);
  return v;
}

function rows(v: unknown, field: string): RawRow[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw malformed(`'${field}' must be an array of row objects or null`, field);
  for (let i = 0; i < v.length; i++) {
    const r: unknown = v[i];
    if (!isObject(r)) throw malformed(`'${field}[${i}]' must be an object`, field);
    for (const k in r) {
      const cell = r[k];
      if (cell !== null && typeof cell !== 'string') throw malformed(`'${field}[${i}].${k}' must be a string or null`, field);
    }
  }
  return v as RawRow[];
}

function typeMap<T extends 'number' | 'string'>(v: unknown, field: string, kind: T): Record<string, T extends 'number' ? number : string> {
  if (v === null || v === undefined) return {};
  if (!isObject(v)) throw malformed(`'${field}' must be an object or null`, field);
  for (const k in v) if (typeof v[k] !== kind) throw malformed(`'${field}.${k}' must be a ${kind}`, field);
  return v as Record<string, T extends 'number' ? number : string>;
}

/** Validates an already-parsed value as a Canal flat message. */
export function toCanalMessage(v: unknown): CanalMessage {
  if (!isObject(v)) throw malformed('a Canal flat message must be a JSON object');
  const { database, table, type } = v;
  if (typeof database !== 'string') throw malformed("'database' must be a string", 'database');
  if (typeof table !== 'string') throw malformed("'table' must be a string", 'table');
  if (typeof type !== 'string' || type === '') throw malformed("'type' must be a non-empty string", 'type');
  const es = epoch(v.es, 'es');
  if (v.isDdl === true || !ROW_TYPES.has(type)) {
    return { kind: 'ddl', database, table, type, sql: typeof v.sql === 'string' ? v.sql : '', es };
  }
  if (v.isDdl !== false && v.isDdl !== undefined) throw malformed("'isDdl' must be a boolean", 'isDdl');
  if (table === '') throw malformed("'table' must not be empty for a row event", 'table');
  const pk = v.pkNames ?? [];
  if (!Array.isArray(pk) || pk.some((n) => typeof n !== 'string')) throw malformed("'pkNames' must be an array of strings or null", 'pkNames');
  const data = rows(v.data, 'data');
  const old = rows(v.old, 'old');
  if (type === 'UPDATE' && old.length !== 0 && old.length !== data.length) {
    throw malformed(`'old' has ${old.length} entries for ${data.length} rows`, 'old');
  }
  return {
    kind: 'rows',
    id: typeof v.id === 'number' ? v.id : 0,
    database,
    table,
    type: type as RowEventType,
    pkNames: pk as string[],
    es,
    ts: v.ts === undefined || v.ts === null ? es : epoch(v.ts, 'ts'),
    sqlType: typeMap(v.sqlType, 'sqlType', 'number'),
    mysqlType: typeMap(v.mysqlType, 'mysqlType', 'string'),
    data,
    old: type === 'UPDATE' ? old : [],
  };
}

/** Decodes one Kafka record value. Throws CANAL_MALFORMED with the reason. */
export function decodeCanal(value: Buffer | string | null): CanalMessage {
  if (value === null || value.length === 0) throw malformed('empty record value (tombstone?)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    throw malformed(`not JSON: ${(err as Error).message}`);
  }
  return toCanalMessage(parsed);
}

/** Binlog time in epoch milliseconds, accepting producers that send seconds. */
export function eventTimeMs(es: number): number {
  return es < 100_000_000_000 ? es * 1000 : es;
}
