// In-process Kafka cluster for the `memory` driver: topics with partitioned,
// offset-addressed logs, consumer groups with committed offsets. One cluster
// per broker list per worker thread, so connections that name the same
// brokers share topics (as they would on a real cluster).
import type { OutgoingRecord, ProducedRecord } from '../driver.ts';
import { recordSize } from '../driver.ts';
import { kafkaError } from '../errors.ts';
import { DefaultPartitioner } from '../partitioner.ts';
import { MemoryGroup } from './group.ts';
import { MemoryPartition } from './partition.ts';

export { MemoryPartition, RETAINED_RECORDS } from './partition.ts';

export class MemoryCluster {
  readonly topics = new Map<string, MemoryPartition[]>();
  readonly groups = new Map<string, MemoryGroup>();
  readonly #partitioner = new DefaultPartitioner();

  createTopic(topic: string, partitions: number): boolean {
    if (this.topics.has(topic)) return false;
    this.topics.set(
      topic,
      Array.from({ length: partitions }, () => new MemoryPartition()),
    );
    for (const g of this.groups.values()) if (g.subscribes(topic)) g.scheduleRebalance();
    return true;
  }

  /** The topic's partitions; creates it with one partition when allowed (a broker's num.partitions default). */
  partitionsOf(topic: string, autoCreate: boolean): MemoryPartition[] {
    let parts = this.topics.get(topic);
    if (!parts) {
      if (!autoCreate) throw kafkaError('KAFKA_UNKNOWN_TOPIC', `topic '${topic}' does not exist and auto_create_topics_enable is off`, { topic });
      this.createTopic(topic, 1);
      parts = this.topics.get(topic)!;
    }
    return parts;
  }

  /** Appends a batch all-or-nothing: every record is checked before any is written. */
  append(records: OutgoingRecord[], opts: { autoCreate: boolean; maxMessageBytes: number }): ProducedRecord[] {
    const targets: number[] = [];
    for (const r of records) {
      const parts = this.partitionsOf(r.topic, opts.autoCreate);
      const size = recordSize(r);
      if (size > opts.maxMessageBytes) {
        throw kafkaError('KAFKA_MESSAGE_TOO_LARGE', `record of ${size} bytes exceeds the ${opts.maxMessageBytes}-byte limit`, {
          topic: r.topic,
          size,
          limit: opts.maxMessageBytes,
        });
      }
      let p = r.partition;
      if (p === undefined) p = this.#partitioner.partition(r.topic, parts.length, r.key);
      else if (!Number.isInteger(p) || p < 0 || p >= parts.length) {
        throw kafkaError('KAFKA_UNKNOWN_PARTITION', `topic '${r.topic}' has no partition ${p} (it has ${parts.length})`, {
          topic: r.topic,
          partition: p,
          partitions: parts.length,
        });
      }
      targets.push(p);
    }
    const now = Date.now();
    const out: ProducedRecord[] = [];
    const touched = new Set<string>();
    records.forEach((r, i) => {
      const partition = targets[i]!;
      const log = this.topics.get(r.topic)![partition]!;
      const offset = log.end;
      log.append({ topic: r.topic, partition, offset, key: r.key, value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value, headers: r.headers, timestamp: r.timestamp ?? now });
      out.push({ topic: r.topic, partition, offset });
      touched.add(r.topic);
    });
    for (const g of this.groups.values()) for (const t of touched) if (g.subscribes(t)) g.wake(t);
    return out;
  }

  group(id: string): MemoryGroup {
    let g = this.groups.get(id);
    if (!g) this.groups.set(id, (g = new MemoryGroup(id, this)));
    return g;
  }
}

const clusters = new Map<string, MemoryCluster>();

/** The in-process cluster a broker list names (per worker thread). */
export function memoryClusterFor(brokers: readonly string[]): MemoryCluster {
  const id = [...brokers].sort().join(',');
  let c = clusters.get(id);
  if (!c) clusters.set(id, (c = new MemoryCluster()));
  return c;
}
