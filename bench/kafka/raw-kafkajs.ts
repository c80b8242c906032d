// The baseline: kafkajs 2.2.4 used directly in one process, against the same
// broker and topics, with the same batching parameters the daemon uses.
// The daemon's linear message grouping goes in first, as in the Kafka worker,
// so the baseline is not slowed by kafkajs' quadratic one.
import '../../actors/kafka/kafkajs/linear-grouping.ts';
import kafkajs, { type Producer } from 'kafkajs';
import { performance } from 'node:perf_hooks';

const { Kafka, logLevel, Partitioners } = kafkajs;

export interface Batching {
  lingerMs: number;
  batchMaxMessages: number;
  batchMaxBytes: number;
  maxInFlight: number;
}

export function rawKafka(brokers: string[]): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING });
}

export async function rawProducer(kafka: InstanceType<typeof Kafka>): Promise<Producer> {
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  return p;
}

/**
 * Async produce with linger batching written against kafkajs' sendBatch, no
 * Outrigger code: records collect for `lingerMs` (or until a size cap), then
 * go out as one request; at most `maxInFlight` requests at once.
 */
export async function rawAsyncProduce(producer: Producer, topic: string, values: Buffer[], b: Batching): Promise<number> {
  const t0 = performance.now();
  const queue: { value: Buffer }[] = [];
  let bytes = 0;
  let inFlight = 0;
  let delivered = 0;
  let timer: NodeJS.Timeout | null = null;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const send = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    while (queue.length > 0 && inFlight < b.maxInFlight) {
      const batch = queue.splice(0, b.batchMaxMessages);
      bytes = queue.reduce((n, m) => n + m.value.length, 0);
      inFlight++;
      void producer.sendBatch({ topicMessages: [{ topic, messages: batch }], acks: -1 }).then(() => {
        inFlight--;
        delivered += batch.length;
        if (delivered === values.length) done();
        else if (queue.length > 0) send();
      });
    }
  };
  // Offered the way the daemon sees them: in bursts, one event-loop turn at a time.
  for (let i = 0; i < values.length; i++) {
    queue.push({ value: values[i]! });
    bytes += values[i]!.length;
    if (queue.length >= b.batchMaxMessages || bytes >= b.batchMaxBytes) send();
    else timer ??= setTimeout(send, b.lingerMs);
    if (i % 256 === 255) await new Promise((r) => setImmediate(r));
  }
  await finished;
  return (performance.now() - t0) / 1000;
}

/** `clients` loops, each sending one record and awaiting the broker's ack (acks = all) before the next. */
export async function rawSyncLatency(producer: Producer, topic: string, clients: number, durationMs: number, value: Buffer): Promise<number[]> {
  const samples: number[] = [];
  const until = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await producer.send({ topic, messages: [{ value }], acks: -1 });
        samples.push(performance.now() - t);
      }
    }),
  );
  return samples;
}

/** Consumes `count` records from the start of `topic` with eachBatch; returns seconds from run() to the last record. */
export async function rawConsume(kafka: InstanceType<typeof Kafka>, topic: string, count: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-raw-${topic}-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const t0 = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      const last = batch.messages[batch.messages.length - 1];
      if (last) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
      if (seen >= count) done();
    },
  });
  await finished;
  const s = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  return s;
}
