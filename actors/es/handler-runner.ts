// Runs a table's handler over the rows of one Canal message, in row order,
// and turns what it returns into serialized, versioned operations. Sync
// handlers stay on the fast path (no promise); an async handler makes the
// rest of the message wait for it, which keeps binlog order. No I/O: the
// outcome of every row goes to the caller's sink.
import { OutriggerError } from '../../runtime/errors/error.ts';
import { bulkLines, type VersionedOp, type WriteOp } from './bulk-body.ts';
import type { CanalRowMessage } from './canal.ts';
import { doc, type DocOp, type HandlerResult, type RowChange, type TableHandler } from './handler-api.ts';

export interface ReadyOp {
  readonly versioned: VersionedOp;
  readonly lines: string;
}

export interface RowSink {
  /** A write operation, ready for the bulk queue; `row` is the change's index in the message's `data`. */
  op(change: RowChange, ready: ReadyOp, row: number): void;
  /** The row was dropped on purpose (counted under `reason`). */
  skip(reason: string, rows?: number): void;
  /** The handler threw, or returned something that cannot be written: the row goes to the dead-letter topic. */
  failed(change: RowChange, err: unknown): void;
}

const WRITE_ACTIONS = new Set(['index', 'update', 'delete']);

export interface HandlerRun {
  readonly msg: CanalRowMessage;
  readonly handler: TableHandler;
  readonly changes: readonly RowChange[];
  /** Version of every operation from this message (see version.ts). */
  readonly version: string;
  readonly versionField: string;
}

/** Processes every row; returns a promise only when an async handler is pending. */
export function runHandler(run: HandlerRun, sink: RowSink, from = 0): void | Promise<void> {
  const fnName = run.msg.type === 'INSERT' ? 'insert' : run.msg.type === 'UPDATE' ? 'update' : 'delete';
  const fn = run.handler[fnName];
  if (!fn) {
    sink.skip(`no_${fnName}_handler`, run.changes.length);
    return;
  }
  for (let i = from; i < run.changes.length; i++) {
    const change = run.changes[i]!;
    let result: HandlerResult | Promise<HandlerResult>;
    try {
      result = fn(change, doc);
    } catch (err) {
      sink.failed(change, err);
      continue;
    }
    if (result instanceof Promise) {
      return result.then(
        (res) => {
          collect(run, i, res, sink);
          return runHandler(run, sink, i + 1);
        },
        (err: unknown) => {
          sink.failed(change, err);
          return runHandler(run, sink, i + 1);
        },
      );
    }
    collect(run, i, result, sink);
  }
}

function collect(run: HandlerRun, row: number, result: HandlerResult, sink: RowSink): void {
  const change = run.changes[row]!;
  if (result === null || result === undefined) {
    sink.skip('handler_skip');
    return;
  }
  const source = `${run.msg.database}.${run.msg.table}`;
  const ops: readonly DocOp[] = Array.isArray(result) ? result : [result as DocOp];
  for (const op of ops) {
    if (op?.action === 'skip') {
      sink.skip(`skip: ${String(op.reason).slice(0, 80)}`);
      continue;
    }
    if (!op || !WRITE_ACTIONS.has(op.action) || typeof op.index !== 'string' || op.index === '' || typeof op.id !== 'string' || op.id === '') {
      sink.failed(change, new OutriggerError('ES_HANDLER_FAILED', `the handler returned an invalid operation: ${JSON.stringify(op)?.slice(0, 200)}`));
      continue;
    }
    const versioned: VersionedOp = { op: op as WriteOp, version: run.version, source };
    let lines: string;
    try {
      lines = bulkLines(versioned, run.versionField);
    } catch (err) {
      sink.failed(change, new OutriggerError('ES_HANDLER_FAILED', `document is not serializable: ${(err as Error).message}`));
      continue;
    }
    sink.op(change, { versioned, lines }, row);
  }
}
