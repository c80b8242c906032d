// Replaces kafkajs 2.2.4's groupMessagesPerPartition in this thread's module
// cache before kafkajs loads it. The stock version copies the partition's
// whole array for every message ([...current, message]), which makes every
// send quadratic in the records per partition: 15 % of the Kafka worker's CPU
// with linger batches of ~1,400 records, growing with the batch (upstream fix
// tulios/kafkajs#1576, unreleased). Done at run time, not by editing the
// installed package, so it holds with `npm install --ignore-scripts` and any
// package manager. Import this module before anything imports 'kafkajs'.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const GROUP = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const SEND = require.resolve('kafkajs/src/producer/sendMessages.js');

interface GroupArgs<M> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly M[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: M }) => number;
}

/** Same result as kafkajs' own: { [partition]: messages in call order }, {} without partition metadata. */
export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupArgs<M>): Record<number, M[]> {
  const result: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition];
    if (current) current.push(message);
    else result[partition] = [message];
  }
  return result;
}

if (require.cache[SEND] !== undefined && require(GROUP) !== groupMessagesPerPartition) {
  // kafkajs already holds the quadratic version: say so at start-up rather than run slowly.
  throw new Error("kafkajs was loaded before actors/kafka/kafkajs/linear-grouping.ts: import it before 'kafkajs'");
}
require(GROUP);
require.cache[GROUP]!.exports = groupMessagesPerPartition;
