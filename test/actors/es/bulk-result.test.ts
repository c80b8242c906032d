import { describe, expect, it } from 'vitest';
import { classifyBulk, isRetryableRequestError, type BulkResponseBody } from '../../../actors/es/bulk-result.ts';

describe('classifyBulk', () => {
  it('sorts real OpenSearch 2.19 item answers', () => {
    // Items as OpenSearch 2.19.1 answered them (filter_path=errors,items.*.status,items.*.result,items.*.error).
    const body: BulkResponseBody = {
      errors: true,
      items: [
        { index: { result: 'created', status: 201 } },
        { index: { status: 409, error: { type: 'version_conflict_engine_exception', reason: '[1]: version conflict' } } },
        { update: { result: 'noop', status: 200 } },
        { update: { status: 404, error: { type: 'document_missing_exception', reason: '[3]: document missing' } } },
        { delete: { result: 'not_found', status: 404 } },
        {
          index: {
            status: 400,
            error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [a]', caused_by: { type: 'illegal_argument_exception', reason: 'For input string' } },
          },
        },
        { index: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } },
        { update: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'conflict' } } },
        { index: { status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } } },
        { index: { status: 403, error: { type: 'cluster_block_exception', reason: 'index read-only' } } },
      ],
    };
    const out = classifyBulk(['index', 'index', 'update', 'update', 'delete', 'index', 'index', 'update', 'index', 'index'], body);
    expect(out.map((o) => o.kind)).toEqual(['applied', 'stale', 'stale', 'rejected', 'applied', 'rejected', 'retry', 'retry', 'retry', 'retry']);
    expect(out[5]).toMatchObject({ status: 400, type: 'mapper_parsing_exception', reason: expect.stringContaining('For input string') });
    expect(out[8]).toMatchObject({ itemLevel5xx: true });
    expect(out[6]).toMatchObject({ itemLevel5xx: false });
  });

  it('a missing item is retried, never taken as success', () => {
    expect(classifyBulk(['index', 'index'], { items: [{ index: { status: 201 } }] }).map((o) => o.kind)).toEqual(['applied', 'retry']);
  });

  it('whole-request retry policy', () => {
    expect([undefined, 0, 429, 500, 502, 503, 401, 403].every(isRetryableRequestError)).toBe(true);
    expect([400, 404, 413].some(isRetryableRequestError)).toBe(false);
  });
});
