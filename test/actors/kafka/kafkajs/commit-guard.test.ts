// A commit kafkajs retries keeps the generation (offset manager) it started
// with, so a retry after a rebalance cannot overwrite another member's offsets.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { installCommitGuard } from '../../../../actors/kafka/kafkajs/commit-guard.ts';

const require = createRequire(import.meta.url);
const Runner = require('kafkajs/src/consumer/runner.js') as { prototype: object };
const createRetry = require('kafkajs/src/retry/index.js') as (o: object) => unknown;

describe('installCommitGuard', () => {
  it('retries a failed commit through the offset manager of its first attempt, not the one a rebalance put in its place', async () => {
    installCommitGuard();
    const calls: string[] = [];
    const group = {
      groupId: 'g',
      memberId: 'm',
      offsetManager: null as { commitOffsets(o: unknown): Promise<void> } | null,
      commitOffsets(o: unknown) {
        return this.offsetManager!.commitOffsets(o);
      },
    };
    const generation2 = { commitOffsets: async () => void calls.push('generation 2') };
    const generation1 = {
      commitOffsets: async () => {
        calls.push('generation 1');
        if (calls.length === 1) {
          // The coordinator moved; the member rejoins (a new offset manager) before kafkajs retries.
          group.offsetManager = generation2;
          throw Object.assign(new Error('coordinator not available'), { retriable: true });
        }
      },
    };
    group.offsetManager = generation1;
    const runner = Object.assign(Object.create(Runner.prototype) as { commitOffsets(o: unknown): Promise<void> }, {
      running: true,
      consumerGroup: group,
      logger: { debug: () => {} },
      retrier: createRetry({ retries: 2, initialRetryTime: 1, maxRetryTime: 5 }),
    });
    await runner.commitOffsets({ topics: [{ topic: 't', partitions: [{ partition: 0, offset: '5' }] }] });
    expect(calls).toEqual(['generation 1', 'generation 1']);
  });
});
