// Expands a Canal row message into the RowChange objects handlers receive.
import type { CanalRowMessage, RawRow, RowEventType } from './canal.ts';
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

// A class rather than an object literal with a `changed` closure: one shape
// for every row, and no function allocated per row on the hot path. Plain
// own fields, so spreading or logging a change shows everything.
class Change implements RowChange {
  readonly database: string;
  readonly table: string;
  readonly type: RowEventType;
  readonly pkNames: readonly string[];
  readonly id: string | null;
  readonly es: number;
  readonly ts: number;
  readonly mysqlType: Readonly<Record<string, string>>;

  constructor(
    msg: CanalRowMessage,
    readonly row: Row,
    readonly old: Row | null,
    readonly raw: RawRow,
    readonly oldRaw: RawRow | null,
  ) {
    this.database = msg.database;
    this.table = msg.table;
    this.type = msg.type;
    this.pkNames = msg.pkNames;
    this.id = keyOf(raw, msg.pkNames);
    this.es = msg.es;
    this.ts = msg.ts;
    this.mysqlType = msg.mysqlType;
  }

  changed(...columns: string[]): boolean {
    const old = this.old;
    if (!old) return true;
    for (const c of columns) if (Object.hasOwn(old, c)) return true;
    return false;
  }
}

export function rowChanges(msg: CanalRowMessage): RowChange[] {
  const conv = columnConverters(msg.sqlType, msg.mysqlType);
  const out: RowChange[] = new Array<RowChange>(msg.data.length);
  const update = msg.type === 'UPDATE';
  for (let i = 0; i < msg.data.length; i++) {
    const raw = msg.data[i]!;
    const oldRaw = update ? (msg.old[i] ?? {}) : null;
    out[i] = new Change(msg, typedRow(raw, conv), oldRaw ? typedRow(oldRaw, conv) : null, raw, oldRaw);
  }
  return out;
}
