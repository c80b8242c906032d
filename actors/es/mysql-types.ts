// Canal sends every column value as a string. Handlers and the default
// mapping want JSON types a search engine maps well, so values are converted
// by the column's java.sql.Types code (Canal's `sqlType`), using `mysqlType`
// only where the code alone is ambiguous. Anything that could lose
// information stays a string: DECIMAL, integers beyond 2^53, binary data.
import type { RawRow } from './canal.ts';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

type Convert = (v: string) => Cell;

const keep: Convert = (v) => v;

const integer: Convert = (v) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
};

const float: Convert = (v) => {
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
};

/** "2020-02-02 02:02:02[.ffffff]" -> "2020-02-02T02:02:02[.ffffff]" (ISO local time; MySQL DATETIME has no zone). */
const dateTime: Convert = (v) => (v.length >= 19 && v.charCodeAt(10) === 32 ? `${v.slice(0, 10)}T${v.slice(11)}` : v);

/** BIT(1) and tinyint(1): 1 and 0 are true and false; any other value (a tinyint(1) may hold -128..127) stays a number. */
const bit: Convert = (v) => (v === '1' ? true : v === '0' ? false : integer(v));

// java.sql.Types codes Canal emits (com.alibaba.otter.canal.parse...JdbcTypeUtil).
const BY_SQL_TYPE: ReadonlyMap<number, Convert> = new Map<number, Convert>([
  [-7, bit], // BIT
  [16, (v) => v === '1' || v.toLowerCase() === 'true'], // BOOLEAN
  [-6, integer], // TINYINT
  [5, integer], // SMALLINT
  [4, integer], // INTEGER
  [-5, integer], // BIGINT (unsigned values past 2^53 stay strings)
  [6, float], // FLOAT
  [7, float], // REAL
  [8, float], // DOUBLE
  [2, keep], // NUMERIC: exact decimal, keep the digits
  [3, keep], // DECIMAL
  [91, keep], // DATE "yyyy-mm-dd" is already ISO
  [92, keep], // TIME
  [93, dateTime], // TIMESTAMP / DATETIME
]);

/** Converter per column for one message (the types are the same for all its rows). */
export function columnConverters(sqlType: Readonly<Record<string, number>>, mysqlType: Readonly<Record<string, string>>): Map<string, Convert> {
  const out = new Map<string, Convert>();
  for (const col in sqlType) {
    let c = BY_SQL_TYPE.get(sqlType[col]!) ?? keep;
    const declared = mysqlType[col] ?? '';
    // tinyint(1) is MySQL's BOOLEAN; Canal reports it as TINYINT.
    if (c === integer && /^tinyint\(1\)/i.test(declared)) c = bit;
    // BIT(n) with n > 1 holds a number (Canal sends its unsigned value), not a flag: 1 must not become true.
    else if (c === bit && Number(/^bit\((\d+)\)/i.exec(declared)?.[1] ?? 1) > 1) c = integer;
    if (c !== keep) out.set(col, c);
  }
  return out;
}

export function typedRow(raw: RawRow, converters: Map<string, Convert>): Row {
  const out: Row = {};
  for (const col in raw) {
    if (col === '__proto__') continue; // would set the prototype, not a field
    const v = raw[col]!;
    if (v === null) out[col] = null;
    else {
      const c = converters.get(col);
      out[col] = c ? c(v) : v;
    }
  }
  return out;
}
