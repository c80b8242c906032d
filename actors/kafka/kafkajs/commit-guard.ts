// kafkajs 2.2.4 retries a failed offset commit through whatever group
// generation its consumer holds at each attempt: after a rebalance (e.g. the
// coordinator broker died), a commit begun for partitions this member owned
// is retried under the new generation and accepted, although the partitions
// may now belong to another member, whose newer commit it then overwrites.
// Seen on a three-broker cluster: a partition's committed offset went back
// from 475 to 27 and its records were consumed again. The Java client keeps
// the generation a commit started with, so a stale retry fails with
// ILLEGAL_GENERATION; installCommitGuard makes kafkajs do the same, in the
// process that runs the Kafka actor (the package on disk is unchanged).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface OffsetManagerLike {
  commitOffsets(offsets: unknown): Promise<void>;
}
interface ConsumerGroupLike {
  offsetManager: OffsetManagerLike | null;
  commitOffsets(offsets: unknown): Promise<void>;
}
interface RunnerLike {
  consumerGroup: ConsumerGroupLike | null;
}
type CommitOffsets = (this: RunnerLike, offsets: unknown) => Promise<void> | undefined;

const RUNNER = 'kafkajs/src/consumer/runner.js';
let installed = false;

export function installCommitGuard(): void {
  if (installed) return;
  const Runner = require(RUNNER) as { prototype: { commitOffsets: CommitOffsets } };
  const original = Runner.prototype.commitOffsets;
  Runner.prototype.commitOffsets = function guarded(this: RunnerLike, offsets: unknown) {
    const group = this.consumerGroup;
    const manager = group?.offsetManager;
    if (!group || !manager) return original.call(this, offsets);
    // Every attempt goes through the offset manager (generation and member id) of the first one.
    const pinned: ConsumerGroupLike = Object.create(group, { commitOffsets: { value: (o: unknown) => manager.commitOffsets(o) } });
    const runner: RunnerLike = Object.create(this, { consumerGroup: { value: pinned } });
    return original.call(runner, offsets);
  };
  installed = true;
}
