// The ES pipeline's Kafka intake on the memory driver: what it buffers ahead of
// the pipeline is bounded in records (consumer.fetchSize) and in bytes
// (consumer.fetchBytes); a paused topic resumes once the pipeline takes half.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pipelineSchema } from '../../../actors/es/config.ts';
import { KafkaSource } from '../../../actors/es/kafka-source.ts';
import type { DriverClient, TopicPartition } from '../../../actors/kafka/driver.ts';
import { memoryDriver } from '../../../actors/kafka/memory/driver.ts';
import { waitFor } from '../../helpers/wait.ts';

/** The memory driver's client, with the pause and resume calls of its consumers recorded. */
function recorded(client: DriverClient, calls: string[]): DriverClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'consumer') return Reflect.get(target, prop, receiver) as unknown;
      return (...args: Parameters<DriverClient['consumer']>) => {
        const consumer = target.consumer(...args);
        const pause = consumer.pause.bind(consumer);
        const resume = consumer.resume.bind(consumer);
        consumer.pause = (tps: TopicPartition[]) => (calls.push('pause'), pause(tps));
        consumer.resume = (tps: TopicPartition[]) => (calls.push('resume'), resume(tps));
        return consumer;
      };
    },
  });
}

describe('KafkaSource', () => {
  it('pauses a topic once the records it holds for the pipeline reach consumer.fetchBytes, and resumes as the pipeline takes them', async () => {
    const log = pino({ level: 'silent' });
    const topic = 'es-source-bytes';
    const cfg = pipelineSchema.parse({
      topics: [topic],
      group: 'g-source-bytes',
      startFrom: 'earliest',
      cluster: { type: 'opensearch', nodes: ['http://127.0.0.1:9'] },
      handlers: { 'shop.users': { index: 'users' } },
      deadLetterTopic: `${topic}.dlq`,
      kafka: { brokers: ['memory-es-source:9092'], driver: 'memory', auto_create_topics_enable: true },
      consumer: { fetchBytes: 256 * 1024 },
    });
    const client = memoryDriver.open('es-source-test', cfg.kafka, log);
    await client.createTopics([{ topic, partitions: 1 }]);
    const total = 120;
    const value = Buffer.alloc(20_000, 0x61);
    await client.produce(
      Array.from({ length: total }, () => ({ topic, key: null, value, headers: [] })),
      { timeoutMs: 5000 },
    );
    const calls: string[] = [];
    const source = new KafkaSource(recorded(client, calls), cfg, log, () => {});
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const seen: number[] = [];
    await source.start((r) => {
      seen.push(r.offset);
      return gate; // the pipeline is full until the gate opens
    });
    await waitFor('the topic to pause', () => calls.includes('pause'), 5000);
    // 256 KiB is 13 records of 20 kB; one fetch (1 MiB per partition here) may land after the bound.
    expect(seen).toEqual([0]);
    open();
    await waitFor('every record to reach the pipeline', () => seen.length === total, 10_000);
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(calls).toContain('resume');
    await source.close();
    await client.close();
  });
});
