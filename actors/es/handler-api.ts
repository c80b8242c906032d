// The public API for ES pipeline handlers: what a user writes to turn a
// changed MySQL row into search-document operations. A handler module's
// default export is the value returned by defineHandler(). Handlers run in
// the pipeline's worker thread; they may be async, but each call holds up
// the rows behind it, so keep them to data shaping.
import type { Logger } from 'pino';
import type { RawRow, RowEventType } from './canal.ts';
import type { Row } from './mysql-types.ts';

export type { Row, Cell } from './mysql-types.ts';
export type { RowEventType } from './canal.ts';

/** One changed row, as a handler sees it. */
export interface RowChange {
  readonly database: string;
  readonly table: string;
  readonly type: RowEventType;
  /** Typed values: the new row for INSERT/UPDATE, the deleted row for DELETE. */
  readonly row: Row;
  /** UPDATE: previous values of the changed columns only (typed). null otherwise. */
  readonly old: Row | null;
  /** Canal's original string values of `row` and `old`. */
  readonly raw: RawRow;
  readonly oldRaw: RawRow | null;
  readonly pkNames: readonly string[];
  /** Primary-key value(s) joined with '_', or null when the table has no key. */
  readonly id: string | null;
  /** Binlog event time (epoch ms) and the time Canal built the message. */
  readonly es: number;
  readonly ts: number;
  readonly mysqlType: Readonly<Record<string, string>>;
  /** UPDATE: true when any of the columns changed. INSERT/DELETE: always true. */
  changed(...columns: string[]): boolean;
}

export type Document = Record<string, unknown>;

export type DocOp =
  | { readonly action: 'index'; readonly index: string; readonly id: string; readonly doc: Document; readonly routing?: string }
  | {
      readonly action: 'update';
      readonly index: string;
      readonly id: string;
      readonly doc: Document;
      /**
       * When the document does not exist: false sends the update to the
       * dead-letter topic (document_missing); true creates it from `doc`; a
       * document creates it from that document, then applies `doc`.
       */
      readonly upsert: boolean | Document;
      readonly routing?: string;
    }
  | { readonly action: 'delete'; readonly index: string; readonly id: string; readonly routing?: string }
  | { readonly action: 'skip'; readonly reason: string };

export interface OpOptions {
  routing?: string;
}

/** Builders for the operations a handler returns (plain objects; building one sends nothing). */
export const doc = {
  /** Replace the whole document. Guarded by external versioning: an older event never overwrites a newer one. */
  index(index: string, id: string | number, body: Document, opts: OpOptions = {}): DocOp {
    return { action: 'index', index, id: String(id), doc: body, ...opts };
  },
  /**
   * Set some top-level fields, leaving the others. Guarded per source table
   * by a version map stored in the document (pipeline `versionField`).
   */
  update(index: string, id: string | number, fields: Document, opts: OpOptions & { upsert?: boolean | Document } = {}): DocOp {
    const { upsert = false, ...rest } = opts;
    return { action: 'update', index, id: String(id), doc: fields, upsert, ...rest };
  },
  delete(index: string, id: string | number, opts: OpOptions = {}): DocOp {
    return { action: 'delete', index, id: String(id), ...opts };
  },
  /** Drop this row on purpose; counted under the reason in the pipeline status. */
  skip(reason: string): DocOp {
    return { action: 'skip', reason };
  },
} as const;

export type DocOps = typeof doc;

/** What a handler may return: one operation, several, or nothing (= skip). */
export type HandlerResult = DocOp | readonly DocOp[] | null | undefined | void;

export type EventHandler = (change: RowChange, ops: DocOps) => HandlerResult | Promise<HandlerResult>;

export interface TableHandler {
  readonly insert?: EventHandler;
  readonly update?: EventHandler;
  readonly delete?: EventHandler;
  /** Called once when the pipeline stops. */
  readonly close?: () => void | Promise<void>;
}

export interface HandlerContext<Options = unknown> {
  readonly pipeline: string;
  /** The `database.table` pattern this handler was configured for. */
  readonly table: string;
  /** The `options` of the handler entry in sidecar.config.ts. */
  readonly options: Options;
  readonly log: Logger;
}

export type HandlerDefinition<Options = unknown> = TableHandler | ((ctx: HandlerContext<Options>) => TableHandler | Promise<TableHandler>);

const HANDLER_MARK = Symbol.for('outrigger.es.handler');

/** Marks a handler module's default export. Pass the handlers, or a factory that receives the context. */
export function defineHandler(def: TableHandler): TableHandler;
export function defineHandler<Options = unknown>(
  def: (ctx: HandlerContext<Options>) => TableHandler | Promise<TableHandler>,
): (ctx: HandlerContext<Options>) => TableHandler | Promise<TableHandler>;
export function defineHandler<Options = unknown>(def: HandlerDefinition<Options>): HandlerDefinition<Options> {
  if (typeof def !== 'function') {
    for (const k of Object.keys(def)) {
      if (!['insert', 'update', 'delete', 'close'].includes(k)) throw new TypeError(`defineHandler: unknown key '${k}' (expected insert, update, delete, close)`);
    }
  }
  Object.defineProperty(def, HANDLER_MARK, { value: true });
  return def;
}

export function isHandlerDefinition(v: unknown): v is HandlerDefinition {
  return (typeof v === 'function' || (typeof v === 'object' && v !== null)) && (v as Record<symbol, unknown>)[HANDLER_MARK] === true;
}
