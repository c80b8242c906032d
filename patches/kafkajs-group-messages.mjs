#!/usr/bin/env node
// Replaces kafkajs 2.2.4's groupMessagesPerPartition, which copies the
// partition's whole array for every message ([...current, message]), making
// each send quadratic in the records per partition. Measured here: 15 % of
// the Kafka worker's CPU with linger batches of ~1,400 records, and it grows
// with the batch. Upstream fix: tulios/kafkajs#1576 (open, unreleased). The
// replacement keeps the result's shape and order: { [partition]: messages in
// call order }. Runs on `npm install` (postinstall), so the daemon and the
// bench's raw-kafkajs baseline run the same kafkajs. Idempotent; refuses to
// touch a file it does not recognise.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const file = join(dirname(require.resolve('kafkajs/package.json')), 'src/producer/groupMessagesPerPartition.js');
const MARK = '// outrigger: linear grouping (tulios/kafkajs#1576)';
const ORIGINAL = `module.exports = ({ topic, partitionMetadata, messages, partitioner }) => {
  if (partitionMetadata.length === 0) {
    return {}
  }

  return messages.reduce((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition] || []
    return Object.assign(result, { [partition]: [...current, message] })
  }, {})
}
`;
const PATCHED = `${MARK}
module.exports = ({ topic, partitionMetadata, messages, partitioner }) => {
  if (partitionMetadata.length === 0) {
    return {}
  }

  const result = {}
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition]
    if (current) current.push(message)
    else result[partition] = [message]
  }
  return result
}
`;

const text = readFileSync(file, 'utf8');
if (text.startsWith(MARK)) process.exit(0);
if (text !== ORIGINAL) {
  console.warn(`patches: ${file} is not kafkajs 2.2.4's; left as is (producing stays correct, only slower)`);
  process.exit(0);
}
writeFileSync(file, PATCHED);
console.log('patches: kafkajs groupMessagesPerPartition made linear');
