// Expands a Canal row message into the RowChange objects handlers receive.
import type { CanalRowMessage, RawRow } from './canal.ts';
import type { RowChange } from './handler-api.ts';
import { columnConverters, typedRow, type Row } from './mysql-types.ts';

/** Key values joined with '_'; null when a key column is missing or NULL. */
export function keyOf(raw: RawRow, columns: readonly string[]): string | null {
  if (columns.length === 0) return null;
  if (columns.length === 1) return raw[columns[0]!] ?? null;
  const parts: string[] = [];
  for (const c of columns) {
    const v = raw[c];
    if (v === null || v === undefined) return null;
    parts.push(v);
  }
  return parts.join('_');
}

const always = (): boolean => true;

export function rowChanges(msg: CanalRowMessage): RowChange[] {
  const conv = columnConverters(msg.sqlType, msg.mysqlType);
  const out: RowChange[] = [];
  for (let i = 0; i < msg.data.length; i++) {
    const raw = msg.data[i]!;
    const oldRaw = msg.type === 'UPDATE' ? msg.old[i] : undefined;
    const old: Row | null = oldRaw ? typedRow(oldRaw, conv) : msg.type === 'UPDATE' ? {} : null;
    out.push({
      database: msg.database,
      table: msg.table,
      type: msg.type,
      row: typedRow(raw, conv),
      old,
      raw,
      oldRaw: oldRaw ?? (msg.type === 'UPDATE' ? {} : null),
      pkNames: msg.pkNames,
      id: keyOf(raw, msg.pkNames),
      es: msg.es,
      ts: msg.ts,
      mysqlType: msg.mysqlType,
      changed: old ? (...cols: string[]) => cols.some((c) => Object.hasOwn(old, c)) : always,
    });
  }
  return out;
}
