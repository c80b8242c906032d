// Serializes document operations into `_bulk` NDJSON lines, with the version
// guard attached. Pure; the same text is reused verbatim on every retry.
//
//   index  {"index":{"_index":I,"_id":D,"version":V,"version_type":"external_gte"}}\n{document}\n
//   delete {"delete":{"_index":I,"_id":D,"version":V,"version_type":"external_gte"}}\n
//   update {"update":{"_index":I,"_id":D,"retry_on_conflict":3}}\n
//          {"script":{"lang":"painless","source":GUARD,"params":{"f":F,"k":TABLE,"v":V,"doc":{fields}[,"u":{create-doc}]}}
//           [,"scripted_upsert":true,"upsert":{}]}\n
//
// external_gte rather than external: a redelivered event carries the same
// version as when it was first applied and must succeed (same content), not
// count as a conflict; only a strictly older version is refused (409).
// `update` has no external versioning in Elasticsearch, so partial updates
// keep {table: version} in the document (field F) and the script refuses an
// older one (result "noop"). Each table guards only the fields it writes.
import type { DocOp } from './handler-api.ts';

export const PARTIAL_UPDATE_GUARD =
  'def m = ctx._source[params.f]; if (!(m instanceof Map)) { m = new HashMap(); ctx._source[params.f] = m; } ' +
  'def cur = m[params.k]; ' +
  'if (cur != null && ((Number) cur).longValue() > params.v) { ctx.op = "noop"; } ' +
  'else { if (ctx.op == "create" && params.u != null) { ctx._source.putAll(params.u); } ' +
  'm[params.k] = params.v; ctx._source.putAll(params.doc); }';

const GUARD_JSON = JSON.stringify(PARTIAL_UPDATE_GUARD);

export type WriteOp = Exclude<DocOp, { action: 'skip' }>;

export interface VersionedOp {
  op: WriteOp;
  /** Decimal version string (see version.ts). */
  version: string;
  /** `database.table` the change came from: the partial-update guard key. */
  source: string;
}

function meta(op: WriteOp): string {
  let s = `"_index":${JSON.stringify(op.index)},"_id":${JSON.stringify(op.id)}`;
  if (op.routing !== undefined) s += `,"routing":${JSON.stringify(op.routing)}`;
  return s;
}

/** The NDJSON lines of one operation, each ending in '\n'. */
export function bulkLines(v: VersionedOp, versionField: string): string {
  const { op, version } = v;
  switch (op.action) {
    case 'index':
      return `{"index":{${meta(op)},"version":${version},"version_type":"external_gte"}}\n${JSON.stringify(op.doc)}\n`;
    case 'delete':
      return `{"delete":{${meta(op)},"version":${version},"version_type":"external_gte"}}\n`;
    case 'update': {
      const create = typeof op.upsert === 'object' ? `,"u":${JSON.stringify(op.upsert)}` : '';
      const params = `{"f":${JSON.stringify(versionField)},"k":${JSON.stringify(v.source)},"v":${version},"doc":${JSON.stringify(op.doc)}${create}}`;
      const upsert = op.upsert !== false ? ',"scripted_upsert":true,"upsert":{}' : '';
      return `{"update":{${meta(op)},"retry_on_conflict":3}}\n{"script":{"lang":"painless","source":${GUARD_JSON},"params":${params}}${upsert}}\n`;
    }
  }
}

/** Key that serializes operations on one document (same index and id). */
export function documentKey(op: WriteOp): string {
  return `${op.index}\u0000${op.id}`;
}

/** The document an operation's lines carry (for dead letters): the index body, or the update's fields. */
export function documentOf(action: 'index' | 'update', lines: string): unknown {
  const body = JSON.parse(lines.slice(lines.indexOf('\n') + 1)) as { script?: { params?: { doc?: unknown } } };
  return action === 'update' ? body.script?.params?.doc : body;
}
