import { describe, expect, it } from 'vitest';
import { BulkWriter, type Outcome, type QueuedOp } from '../../../actors/es/bulk-writer.ts';
import type { BulkResponseBody } from '../../../actors/es/bulk-result.ts';
import { type BulkClient, ClusterRequestError } from '../../../actors/es/cluster.ts';
import type { DeadLetterWriter } from '../../../actors/es/dead-letter.ts';
import { pipelineLimitsSchema } from '../../../actors/es/config.ts';
import { createLogger } from '../../../runtime/log.ts';
import { CircuitBreaker } from '../../../runtime/resilience/circuit-breaker.ts';

/** A cluster that refuses connections until `downUntil`, then accepts every operation. */
class FlakyCluster implements BulkClient {
  readonly type = 'opensearch' as const;
  calls: number[] = [];
  constructor(readonly downUntil: number) {}
  async bulk(body: string): Promise<BulkResponseBody> {
    this.calls.push(Date.now());
    if (Date.now() < this.downUntil) throw new ClusterRequestError('connect ECONNREFUSED 127.0.0.1:9201', undefined);
    const n = body.split('\n').filter((l) => l.startsWith('{"index"')).length;
    return { errors: false, items: Array.from({ length: n }, () => ({ index: { status: 201 } })) };
  }
  async close(): Promise<void> {}
}

const op = (i: number): QueuedOp => ({
  key: `idx/${i}`,
  bytes: 40,
  action: 'index',
  lines: `{"index":{"_index":"idx","_id":"${i}"}}\n{"n":${i}}\n`,
  tries: 0,
});

describe('ES bulk writer with the cluster circuit breaker', () => {
  it('stops sending while the breaker is open, then applies every operation with nothing dead-lettered', async () => {
    const cluster = new FlakyCluster(Date.now() + 600);
    const breaker = new CircuitBreaker({ name: 'es cluster test', failureThreshold: 2, resetTimeoutMs: 250 });
    const states: string[] = [];
    const done: Outcome[] = [];
    const letters: unknown[] = [];
    const deadLetters = { write: async (l: unknown[]) => (letters.push(...l), true) } as unknown as DeadLetterWriter;
    const limits = pipelineLimitsSchema.parse({
      bulkActions: 5,
      flushIntervalMs: 10,
      retryBackoffMs: { initial: 10, max: 20 },
    });
    const writer = new BulkWriter<QueuedOp>(
      cluster,
      limits,
      deadLetters,
      {
        done: (_op, outcome) => done.push(outcome),
        letter: () => ({}) as never,
        onError: () => states.push(breaker.state),
        onBulk: () => {},
        onRetry: () => {},
      },
      createLogger('silent'),
      breaker,
    );
    for (let i = 0; i < 20; i++) writer.enqueue(op(i));
    expect(await writer.drain(Date.now() + 5000)).toBe(true);
    expect(done).toEqual(Array(20).fill('applied'));
    expect(letters).toEqual([]);
    expect(breaker.opens).toBeGreaterThanOrEqual(1);
    expect(breaker.state).toBe('closed');
    // With a 10-20 ms backoff and no breaker, 600 ms of outage means dozens of
    // attempts; the breaker holds them to a handful of trials.
    const duringOutage = cluster.calls.filter((t) => t < cluster.downUntil).length;
    expect(duringOutage).toBeLessThan(15);
  });

  it('splits a bulk the cluster refuses with a non-retryable status (here 406) down to the offending operation and dead-letters only it', async () => {
    let calls = 0;
    const cluster: BulkClient = {
      type: 'opensearch',
      async bulk(body: string): Promise<BulkResponseBody> {
        calls++;
        if (body.includes('"_id":"3"')) throw new ClusterRequestError('406 Not Acceptable', 406);
        const n = body.split('\n').filter((l) => l.startsWith('{"index"')).length;
        return { errors: false, items: Array.from({ length: n }, () => ({ index: { status: 201 } })) };
      },
      async close() {},
    };
    const done: Outcome[] = [];
    const letters: unknown[] = [];
    const deadLetters = { write: async (l: unknown[]) => (letters.push(...l), true) } as unknown as DeadLetterWriter;
    const writer = new BulkWriter<QueuedOp>(
      cluster,
      pipelineLimitsSchema.parse({ bulkActions: 8, flushIntervalMs: 10, retryBackoffMs: { initial: 10, max: 20 } }),
      deadLetters,
      {
        done: (_op, outcome) => done.push(outcome),
        letter: (o) => ({ id: o.key }) as never,
        onError: () => {},
        onBulk: () => {},
        onRetry: () => {},
      },
      createLogger('silent'),
    );
    for (let i = 0; i < 8; i++) writer.enqueue(op(i));
    expect(await writer.drain(Date.now() + 3000)).toBe(true);
    expect(done.filter((o) => o === 'applied')).toHaveLength(7);
    expect(done.filter((o) => o === 'dead')).toHaveLength(1);
    expect(letters).toEqual([{ id: 'idx/3' }]);
    expect(calls).toBeLessThan(12); // a halving search, not a retry loop
  });
});
