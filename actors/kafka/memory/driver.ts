// The `memory` driver: a functional Kafka inside the worker thread, so the
// daemon runs with no broker (what the PHP client's NullBridge is for) while what is
// produced can still be consumed, with groups and committed offsets.
import type { CommittedOffset, ConsumerEvents, DriverClient, DriverConsumer, GroupMemberOptions, KafkaDriver, OutgoingRecord, PartitionWatermarks, ProducedRecord } from '../driver.ts';
import type { KafkaConnection } from '../config.ts';
import { MemoryMember } from './group.ts';
import { type MemoryCluster, memoryClusterFor } from './cluster.ts';

class MemoryClient implements DriverClient {
  readonly #members = new Set<MemoryMember>();

  constructor(
    readonly cluster: MemoryCluster,
    readonly connection: KafkaConnection,
  ) {}

  async produce(records: OutgoingRecord[]): Promise<ProducedRecord[]> {
    return this.cluster.append(records, {
      autoCreate: this.connection.auto_create_topics_enable,
      maxMessageBytes: this.connection.max_message_bytes,
    });
  }

  async createTopics(topics: { topic: string; partitions: number }[]): Promise<void> {
    for (const t of topics) this.cluster.createTopic(t.topic, t.partitions);
  }

  async partitions(topic: string): Promise<number> {
    return this.cluster.partitionsOf(topic, false).length;
  }

  consumer(opts: GroupMemberOptions, events: ConsumerEvents): DriverConsumer {
    const m = new MemoryMember(this.cluster.group(opts.groupId), opts, events, this.connection.auto_create_topics_enable);
    this.#members.add(m);
    const close = m.close.bind(m);
    m.close = async () => {
      this.#members.delete(m);
      await close();
    };
    return m;
  }

  async committedOffsets(groupId: string, topics: string[]): Promise<CommittedOffset[]> {
    const group = this.cluster.groups.get(groupId);
    const out: CommittedOffset[] = [];
    if (!group) return out;
    for (const topic of topics) {
      const count = this.cluster.topics.get(topic)?.length ?? 0;
      for (let partition = 0; partition < count; partition++) {
        const c = group.committedOffset(topic, partition);
        if (c !== undefined) out.push({ topic, partition, offset: c.offset, metadata: c.metadata });
      }
    }
    return out;
  }

  async watermarks(topic: string): Promise<PartitionWatermarks[]> {
    return this.cluster.partitionsOf(topic, false).map((p, partition) => ({ partition, low: p.start, high: p.end }));
  }

  async close(): Promise<void> {
    for (const m of [...this.#members]) await m.close();
  }
}

export const memoryDriver: KafkaDriver = {
  name: 'memory',
  open: (_name, connection) => new MemoryClient(memoryClusterFor(connection.brokers), connection),
};
