// The no-code handler: a table mirrored into an index, one document per row,
// id = primary key (or the configured columns), document = the typed row.
//
//   handlers: { 'shop.users': { index: 'users' } }
//
// INSERT → index; UPDATE → index (or, with `partial: true`, an update of the
// changed columns that creates the document from the full row if missing);
// DELETE → delete. An UPDATE that changes the key deletes the old document.
import type { HandlerSpec } from './config.ts';
import { OutriggerError } from '../../runtime/errors/error.ts';
import type { DocOp, Document, RowChange, TableHandler } from './handler-api.ts';
import { doc } from './handler-api.ts';
import { keyOf } from './row-changes.ts';

type DefaultSpec = Extract<HandlerSpec, { index: string }>;

export function defaultHandler(spec: DefaultSpec, pattern: string): TableHandler {
  const exclude = new Set(spec.exclude);
  const idColumns = (c: RowChange): readonly string[] => spec.id ?? c.pkNames;
  const idOf = (c: RowChange): string => {
    const id = spec.id ? keyOf(c.raw, spec.id) : c.id;
    if (id === null) {
      throw new OutriggerError(
        'ES_HANDLER_FAILED',
        `${c.database}.${c.table}: no document id (the row has no primary key value); set handlers['${pattern}'].id to the id columns`,
      );
    }
    return id;
  };
  const body = (c: RowChange, columns?: Iterable<string>): Document => {
    // The typed row is built per change and not shared, so it can be the document as is.
    if (!columns && exclude.size === 0) return c.row;
    const out: Document = {};
    for (const col of columns ?? Object.keys(c.row)) if (!exclude.has(col) && Object.hasOwn(c.row, col)) out[col] = c.row[col];
    return out;
  };
  return {
    insert: (c) => doc.index(spec.index, idOf(c), body(c)),
    update: (c) => {
      const id = idOf(c);
      const ops: DocOp[] = [];
      const cols = idColumns(c);
      if (c.old && cols.some((k) => Object.hasOwn(c.old!, k))) {
        const oldId = keyOf({ ...c.raw, ...c.oldRaw }, cols);
        if (oldId !== null && oldId !== id) ops.push(doc.delete(spec.index, oldId));
      }
      if (spec.partial && ops.length === 0) {
        const changed = Object.keys(c.old ?? {});
        if (changed.every((k) => exclude.has(k))) return doc.skip('no mapped column changed');
        ops.push(doc.update(spec.index, id, body(c, changed), { upsert: body(c) }));
      } else ops.push(doc.index(spec.index, id, body(c)));
      return ops;
    },
    delete: (c) => doc.delete(spec.index, idOf(c)),
  };
}

