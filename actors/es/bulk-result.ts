// Sorts a `_bulk` response into what happens to each operation. Pure.
//
//   2xx                          applied ("noop" from the partial-update guard = stale)
//   404 on delete                applied (already gone; the tombstone keeps its version)
//   409 on index/delete          stale: the document holds a newer version (the guard working)
//   409 on update                retry (a concurrent write won the race; retry_on_conflict ran out)
//   429, 5xx, 403 cluster block  retry (cluster pressure or a temporary block, not this document's fault)
//   anything else (400 mapping,  rejected: goes to the dead-letter topic with the reason
//     404 document missing, ...)

export type ItemOutcome =
  | { kind: 'applied' }
  | { kind: 'stale' }
  | { kind: 'retry'; status: number; reason: string; itemLevel5xx: boolean }
  | { kind: 'rejected'; status: number; type: string; reason: string };

export interface BulkItemError {
  type?: string;
  reason?: string;
  caused_by?: { type?: string; reason?: string };
}

export interface BulkResponseItem {
  status?: number;
  result?: string;
  error?: BulkItemError | string;
}

export interface BulkResponseBody {
  errors?: boolean;
  items?: Record<string, BulkResponseItem>[];
}

function describe(error: BulkItemError | string | undefined): { type: string; reason: string } {
  if (error === undefined) return { type: 'unknown', reason: 'no error detail in the bulk response' };
  if (typeof error === 'string') return { type: 'unknown', reason: error };
  const type = error.type ?? 'unknown';
  let reason = error.reason ?? '';
  if (error.caused_by?.reason) reason += `${reason ? ': ' : ''}${error.caused_by.type ?? ''} ${error.caused_by.reason}`.trimEnd();
  return { type, reason: reason || type };
}

export function classifyItem(action: 'index' | 'update' | 'delete', item: BulkResponseItem | undefined): ItemOutcome {
  if (!item || typeof item.status !== 'number') {
    return { kind: 'retry', status: 0, reason: 'bulk response has no item for this operation', itemLevel5xx: true };
  }
  const s = item.status;
  if (s >= 200 && s < 300) return item.result === 'noop' && action === 'update' ? { kind: 'stale' } : { kind: 'applied' };
  if (s === 404 && action === 'delete') return { kind: 'applied' };
  const { type, reason } = describe(item.error);
  if (s === 409) {
    return action === 'update' ? { kind: 'retry', status: s, reason: `${type}: ${reason}`, itemLevel5xx: false } : { kind: 'stale' };
  }
  if (s === 429 || (s === 403 && type === 'cluster_block_exception')) {
    return { kind: 'retry', status: s, reason: `${type}: ${reason}`, itemLevel5xx: false };
  }
  if (s >= 500) return { kind: 'retry', status: s, reason: `${type}: ${reason}`, itemLevel5xx: true };
  return { kind: 'rejected', status: s, type, reason };
}

/** Outcome per operation, in request order. */
export function classifyBulk(actions: readonly ('index' | 'update' | 'delete')[], body: BulkResponseBody): ItemOutcome[] {
  const items = Array.isArray(body.items) ? body.items : [];
  return actions.map((action, i) => {
    const wrapper = items[i];
    const item = wrapper ? (wrapper[action] ?? Object.values(wrapper)[0]) : undefined;
    return classifyItem(action, item);
  });
}

/** Whole-request failures worth retrying: connection loss, timeouts, 429, 5xx, auth not yet valid. */
export function isRetryableRequestError(status: number | undefined): boolean {
  return status === undefined || status === 0 || status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
}
