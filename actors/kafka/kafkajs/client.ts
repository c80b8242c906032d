// The `kafkajs` driver's client for one named connection: a lazily
// connected producer and admin, and group members. Producing assigns every
// record's partition once (a sticky wrapper around kafkajs' Java-compatible
// partitioner) so retries resend records to the same partitions and each
// record's offset can be read from its partition's base offset.
// First: kafkajs must find the linear message grouping in place when it loads.
import './linear-grouping.ts';
import kafkajs, { type Admin, type Kafka, type Message, type PartitionerArgs, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConnection } from '../config.ts';
import {
  type CommittedOffset,
  type ConsumerEvents,
  type DriverClient,
  type DriverConsumer,
  type GroupMemberOptions,
  type OutgoingRecord,
  type PartitionWatermarks,
  type ProducedRecord,
  recordSize,
} from '../driver.ts';
import { kafkaError } from '../errors.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';
import { fromKafkaJS } from './errors.ts';
import { KafkajsConsumer } from './consumer.ts';
import { installProduceEncoder, type ResendCounter, type TrackedMessage } from './produce-encoder.ts';
import { kafkajsConfig } from './options.ts';

const { Kafka: KafkaClass, Partitioners } = kafkajs;

function stickyPartitioner(): (args: PartitionerArgs) => number {
  const inner = Partitioners.DefaultPartitioner();
  return (args) => {
    const m = args.message;
    if (m.partition !== undefined && m.partition !== null) {
      if (!args.partitionMetadata.some((p) => p.partitionId === m.partition)) {
        throw kafkaError('KAFKA_UNKNOWN_PARTITION', `topic '${args.topic}' has no partition ${m.partition} (it has ${args.partitionMetadata.length})`, {
          topic: args.topic,
          partition: m.partition,
          partitions: args.partitionMetadata.length,
        });
      }
      return m.partition;
    }
    // Written back into the message: a retry resends it to the same partition.
    const p = inner(args);
    m.partition = p;
    return p;
  };
}

// Every message has the same seven fields (undefined when absent): kafkajs
// copies each one with an object spread, which stays on V8's fast path for
// objects of one shape.
function toMessage(r: OutgoingRecord, counter: ResendCounter): Message & TrackedMessage {
  let headers: Record<string, Buffer | Buffer[]> | undefined;
  if (r.headers.length > 0) {
    headers = {};
    for (const h of r.headers) {
      const prev = headers[h.key];
      headers[h.key] = prev === undefined ? h.value : Array.isArray(prev) ? [...prev, h.value] : [prev, h.value];
    }
  }
  return {
    key: r.key,
    value: r.value,
    partition: r.partition,
    headers,
    timestamp: r.timestamp === undefined ? undefined : String(r.timestamp),
    counter,
    sent: false,
  };
}

/** Sends of one produce call's unanswered partitions before the call fails (see produce()). */
const MAX_ROUNDS = 3;

export class KafkajsClient implements DriverClient {
  /** Records whose produce request was sent more than once (produce-encoder.ts counts them). */
  readonly #resends: ResendCounter = { resent: 0 };
  /** When a broker last answered one of the producer's requests (any broker, any request). */
  #lastAnswerAt = 0;
  readonly #kafka: Kafka;
  #producer: Promise<Producer> | null = null;
  #admin: Promise<Admin> | null = null;
  readonly #consumers = new Set<KafkajsConsumer>();

  constructor(
    readonly name: string,
    readonly connection: KafkaConnection,
    readonly log: Logger,
    tls: ConnectionOptions | boolean,
  ) {
    installProduceEncoder();
    this.#kafka = new KafkaClass(kafkajsConfig(name, connection, log, tls));
  }

  #connected<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(make: () => T, what: string): Promise<T> {
    return (async () => {
      const client = make();
      try {
        await client.connect();
      } catch (err) {
        await client.disconnect().catch(() => {});
        throw fromKafkaJS(err, `connection '${this.name}': ${what} connect`);
      }
      return client;
    })();
  }

  #producerReady(): Promise<Producer> {
    if (!this.#producer) {
      const ready = this.#connected(() => {
        const p = this.#kafka.producer({
          allowAutoTopicCreation: this.connection.auto_create_topics_enable,
          createPartitioner: stickyPartitioner,
        });
        p.on(p.events.REQUEST, () => (this.#lastAnswerAt = Date.now()));
        return p;
      }, 'producer');
      this.#producer = ready;
      // A failed connect is forgotten so the next call tries again.
      ready.catch(() => {
        if (this.#producer === ready) this.#producer = null;
      });
    }
    return this.#producer;
  }

  #adminReady(): Promise<Admin> {
    if (!this.#admin) {
      const ready = this.#connected(() => this.#kafka.admin(), 'admin');
      this.#admin = ready;
      ready.catch(() => {
        if (this.#admin === ready) this.#admin = null;
      });
    }
    return this.#admin;
  }

  async produce(records: OutgoingRecord[], opts: { timeoutMs: number }): Promise<ProducedRecord[]> {
    const limit = this.connection.max_message_bytes;
    for (const r of records) {
      const size = recordSize(r);
      if (size > limit) {
        throw kafkaError('KAFKA_MESSAGE_TOO_LARGE', `record of ${size} bytes exceeds the connection's max_message_bytes (${limit})`, {
          topic: r.topic,
          size,
          limit,
        });
      }
    }
    const producer = await this.#producerReady();
    const started = Date.now();
    const messages = records.map((r) => toMessage(r, this.#resends));
    const out = new Array<ProducedRecord>(records.length);
    // kafkajs 2.2.4 retries a request per broker and keeps the answers of brokers that succeeded; when a
    // partition's leadership moves during the retries to one of those brokers, that partition is never
    // sent again and sendBatch resolves without it. Only those partitions' records go again (resending
    // the whole request would write every other record twice).
    let pending = records.map((_, i) => i);
    for (let round = 1; pending.length > 0; round++) {
      if (round > MAX_ROUNDS) {
        const r = records[pending[0]!]!;
        throw kafkaError('KAFKA_ERROR', `broker returned no result for ${r.topic}/${messages[pending[0]!]!.partition} after ${MAX_ROUNDS} attempts`, { type: 'MISSING_RESULT' });
      }
      try {
        pending = await this.#sendRound(producer, records, messages, pending, out, opts.timeoutMs);
      } catch (err) {
        throw this.#scoped(err as OutriggerError, started);
      }
    }
    return out;
  }

  /**
   * A broker that cannot be reached or does not answer while other brokers answered during the same call
   * is one broker failing (its partitions move to other leaders within seconds), not the cluster: the error
   * says so (data.clusterUp), and the connection's circuit breaker does not count it.
   */
  #scoped(err: OutriggerError, started: number): OutriggerError {
    if ((err.code !== 'KAFKA_UNREACHABLE' && err.code !== 'KAFKA_TIMEOUT') || this.#lastAnswerAt < started) return err;
    return new OutriggerError(err.code, err.message, { ...(err.data as object | undefined), clusterUp: true }, { cause: err });
  }

  /** Sends the records at `indexes`; fills `out` for those whose partition got a result and returns the others. */
  async #sendRound(producer: Producer, records: OutgoingRecord[], messages: Message[], indexes: number[], out: ProducedRecord[], timeoutMs: number): Promise<number[]> {
    const byTopic = new Map<string, Message[]>();
    for (const i of indexes) {
      const topic = records[i]!.topic;
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(messages[i]!);
    }
    let meta;
    try {
      meta = await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
        acks: -1,
        timeout: timeoutMs,
      });
    } catch (err) {
      throw fromKafkaJS(err, `produce to ${[...byTopic.keys()].join(', ')}`);
    }
    // Base offset and records seen so far, per topic and partition.
    const base = new Map<string, number[]>();
    for (const m of meta) {
      let byPartition = base.get(m.topicName);
      if (!byPartition) base.set(m.topicName, (byPartition = []));
      byPartition[m.partition] = Number(m.baseOffset);
    }
    const seen = new Map<string, number[]>();
    const missing: number[] = [];
    for (const i of indexes) {
      const topic = records[i]!.topic;
      const partition = messages[i]!.partition!;
      const first = base.get(topic)?.[partition];
      if (first === undefined) {
        missing.push(i);
        continue;
      }
      let counts = seen.get(topic);
      if (!counts) seen.set(topic, (counts = []));
      const n = counts[partition] ?? 0;
      counts[partition] = n + 1;
      out[i] = { topic, partition, offset: first + n };
    }
    return missing;
  }

  async createTopics(topics: { topic: string; partitions: number }[]): Promise<void> {
    const admin = await this.#adminReady();
    try {
      await admin.createTopics({ topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions })), waitForLeaders: true });
    } catch (err) {
      throw fromKafkaJS(err, `create topics ${topics.map((t) => t.topic).join(', ')}`);
    }
  }

  async partitions(topic: string): Promise<number> {
    const admin = await this.#adminReady();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]!.partitions.length;
    } catch (err) {
      throw fromKafkaJS(err, `metadata of ${topic}`);
    }
  }

  async committedOffsets(groupId: string, topics: string[]): Promise<CommittedOffset[]> {
    const admin = await this.#adminReady();
    try {
      const byTopic = await admin.fetchOffsets({ groupId, topics });
      return byTopic.flatMap(({ topic, partitions }) =>
        partitions.filter((p) => Number(p.offset) >= 0).map((p) => ({ topic, partition: p.partition, offset: Number(p.offset), metadata: p.metadata || null })),
      );
    } catch (err) {
      throw fromKafkaJS(err, `committed offsets of group '${groupId}'`);
    }
  }

  async watermarks(topic: string): Promise<PartitionWatermarks[]> {
    const admin = await this.#adminReady();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) })).sort((a, b) => a.partition - b.partition);
    } catch (err) {
      throw fromKafkaJS(err, `watermarks of ${topic}`);
    }
  }

  consumer(opts: GroupMemberOptions, events: ConsumerEvents): DriverConsumer {
    const c = new KafkajsConsumer(this.#kafka, this.connection, opts, events, () => this.#consumers.delete(c));
    this.#consumers.add(c);
    return c;
  }

  resent(): number {
    return this.#resends.resent;
  }

  async close(): Promise<void> {
    for (const c of [...this.#consumers]) await c.close().catch(() => {});
    const producer = this.#producer;
    const admin = this.#admin;
    this.#producer = null;
    this.#admin = null;
    if (producer) await (await producer.catch(() => null))?.disconnect().catch(() => {});
    if (admin) await (await admin.catch(() => null))?.disconnect().catch(() => {});
  }
}
