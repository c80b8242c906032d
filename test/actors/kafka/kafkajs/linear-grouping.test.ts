// kafkajs runs with the linear message grouping wherever the Kafka worker
// loads it, whatever the installed file says (no install script involved).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition } from '../../../../actors/kafka/kafkajs/linear-grouping.ts';

const require = createRequire(import.meta.url);
const GROUP = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const SEND = require.resolve('kafkajs/src/producer/sendMessages.js');

interface Msg {
  value: string;
}
type Args = Parameters<typeof groupMessagesPerPartition<Msg>>[0];
const stock = (): ((a: Args) => Record<string, Msg[]>) => {
  // The installed file, evaluated apart from the module cache.
  const module = { exports: null as unknown };
  new Function('module', readFileSync(GROUP, 'utf8'))(module);
  return module.exports as (a: Args) => Record<string, Msg[]>;
};

describe('linear kafkajs message grouping', () => {
  it('is what kafkajs uses once the Kafka driver is loaded, the installed file untouched', async () => {
    await import('../../../../actors/kafka/kafkajs/client.ts');
    expect(require.cache[SEND]).toBeDefined();
    expect(require(GROUP)).toBe(groupMessagesPerPartition);
    expect(readFileSync(GROUP, 'utf8')).toContain('[...current, message]');
  });

  it('groups as kafkajs does: by partition, call order kept within each', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ value: String(i) }));
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId }));
    const args: Args = { topic: 't', partitionMetadata, messages, partitioner: ({ message }) => Number(message.value) % 3 };
    const out = groupMessagesPerPartition(args);
    expect(Object.fromEntries(Object.entries(out).map(([p, ms]) => [p, ms.map((m) => m.value)]))).toEqual({
      0: ['0', '3', '6', '9'],
      1: ['1', '4', '7'],
      2: ['2', '5', '8'],
    });
    expect(out).toEqual(stock()(args));
    expect(groupMessagesPerPartition({ ...args, partitionMetadata: [] })).toEqual({});
  });

  it('handles a large batch in linear time (100,000 records to one partition)', () => {
    const messages = Array.from({ length: 100_000 }, (_, i) => ({ value: String(i) }));
    const out = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{ partitionId: 0 }], messages, partitioner: () => 0 });
    expect(out[0]).toHaveLength(100_000);
    expect(out[0]![99_999]!.value).toBe('99999');
  });
});
