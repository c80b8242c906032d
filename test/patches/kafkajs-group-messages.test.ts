import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');

interface Args {
  topic: string;
  partitionMetadata: { partitionId: number }[];
  messages: { value: string }[];
  partitioner: (a: { message: { value: string } }) => number;
}
const group = require(path) as (a: Args) => Record<string, { value: string }[]>;

describe('patched kafkajs groupMessagesPerPartition', () => {
  it('is the linear version (postinstall ran)', () => {
    expect(readFileSync(path, 'utf8')).toMatch(/^\/\/ outrigger: linear grouping/);
  });

  it('groups by partition, keeping call order within each partition', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ value: String(i) }));
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId }));
    const out = group({ topic: 't', partitionMetadata, messages, partitioner: ({ message }) => Number(message.value) % 3 });
    expect(Object.fromEntries(Object.entries(out).map(([p, ms]) => [p, ms.map((m) => m.value)]))).toEqual({
      0: ['0', '3', '6', '9'],
      1: ['1', '4', '7'],
      2: ['2', '5', '8'],
    });
    expect(group({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({});
  });

  it('handles a large batch in linear time (100,000 records to one partition)', () => {
    const messages = Array.from({ length: 100_000 }, (_, i) => ({ value: String(i) }));
    const out = group({ topic: 't', partitionMetadata: [{ partitionId: 0 }], messages, partitioner: () => 0 });
    expect(out[0]).toHaveLength(100_000);
    expect(out[0]![99_999]!.value).toBe('99999');
  });
});
