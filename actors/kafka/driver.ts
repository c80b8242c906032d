// What the kafka actor needs from a Kafka implementation. Two drivers
// implement it: `memory` (in-process, for development) and `kafkajs` (a real
// cluster); test/actors/kafka/driver-contract.ts holds both to the same
// behaviour. Drivers throw OutriggerError with KAFKA_* codes.
import type { Logger } from 'pino';
import type { DriverName, KafkaConnection } from './config.ts';
import type { TopicPartition, TopicPartitionOffset } from './record-buffer.ts';

export type { TopicPartition, TopicPartitionOffset };

export interface KafkaHeader {
  key: string;
  value: Buffer;
}

export interface OutgoingRecord {
  topic: string;
  /** Explicit partition; otherwise the key's hash, or round-robin for keyless records. */
  partition?: number | undefined;
  key: Buffer | null;
  /**
   * A string value is UTF-8 text kept as the caller sent it: the driver
   * encodes it once, where it serializes the record (measured: copying every
   * value into a Buffer first cost the Kafka worker about a tenth of its time).
   */
  value: Buffer | string | null;
  headers: KafkaHeader[];
  /** Epoch milliseconds; the driver stamps the current time when absent. */
  timestamp?: number | undefined;
  /** recordSize's result, kept once computed (the produce handler and the driver both check the limit). */
  size?: number;
}

/** A position to commit, with state of the committing consumer that belongs to it (Kafka's offset commit metadata). */
export interface CommitOffset extends TopicPartitionOffset {
  /** Kept by the broker with the offset (up to offset.metadata.max.bytes, 4 KiB by default). */
  metadata?: string | undefined;
}

/** A group's committed position of one partition, as the broker has it. */
export interface CommittedOffset extends TopicPartitionOffset {
  /** What was committed with it; null when nothing was. */
  metadata: string | null;
}

export interface PartitionWatermarks {
  partition: number;
  /** First offset still in the log. */
  low: number;
  /** Offset the next record written will get. */
  high: number;
}

export interface ProducedRecord {
  topic: string;
  partition: number;
  offset: number;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkaHeader[];
  timestamp: number;
}

export interface GroupMemberOptions {
  groupId: string;
  topics: string[];
  /** Where a partition with no committed offset starts. */
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Static member id, when the client sent one (see docs/kafka.md for what kafkajs does with it). */
  instanceId?: string | undefined;
  maxWaitMs: number;
  maxBytesPerPartition: number;
}

/** Callbacks a group member makes; they must return quickly (no awaiting). */
export interface ConsumerEvents {
  /**
   * Records of one partition, in offset order, from the member's fetch position, with the partition's
   * high watermark when the driver knows it (the consumer lag metric).
   */
  records(topic: string, partition: number, records: IncomingRecord[], highWatermark?: number): void;
  /** A rebalance began: partitions may be taken away. */
  revoking(): void;
  /** The member's complete assignment after it (re)joined the group. Fetching restarts from committed offsets. */
  assigned(assignment: TopicPartition[]): void;
  /** The member lost its connection or crashed; the driver keeps trying to rejoin. */
  error(err: Error): void;
}

export interface DriverConsumer {
  /** Joins the group; resolves with the first assignment. */
  start(): Promise<TopicPartition[]>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Moves the fetch position of an assigned partition (takes effect on the next fetch). */
  seek(partition: TopicPartitionOffset): void;
  /** Commits next-offset-to-read positions; fails (KAFKA_COMMIT_FAILED) if the member no longer owns them. */
  commit(offsets: CommitOffset[]): Promise<void>;
  /** Leaves the group. */
  close(): Promise<void>;
}

export interface DriverClient {
  produce(records: OutgoingRecord[], opts: { timeoutMs: number }): Promise<ProducedRecord[]>;
  /** Creates the topics that do not exist yet. */
  createTopics(topics: { topic: string; partitions: number }[]): Promise<void>;
  /** Partition count of an existing topic (KAFKA_UNKNOWN_TOPIC otherwise). */
  partitions(topic: string): Promise<number>;
  consumer(opts: GroupMemberOptions, events: ConsumerEvents): DriverConsumer;
  /** The group's committed positions (with their metadata) for the partitions of `topics`; partitions without one are left out. */
  committedOffsets(groupId: string, topics: string[]): Promise<CommittedOffset[]>;
  /** Low and high watermark of every partition of an existing topic, by partition (KAFKA_UNKNOWN_TOPIC otherwise). */
  watermarks(topic: string): Promise<PartitionWatermarks[]>;
  close(): Promise<void>;
  /** Records the client sent to a broker more than once within produce() (each may be in the topic twice); absent: never. */
  resent?(): number;
}

export interface KafkaDriver {
  readonly name: DriverName;
  open(name: string, connection: KafkaConnection, log: Logger): DriverClient;
}

/** Byte length of a record value (a string counts its UTF-8 bytes). */
function payloadBytes(v: Buffer | string | null): number {
  return v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

/**
 * Serialized size of a record as the size limit sees it (payload bytes plus a
 * small per-record overhead). Computed once per record: a string value costs
 * a UTF-8 scan. The record's headers must be final when it is first asked.
 */
export function recordSize(r: OutgoingRecord): number {
  if (r.size !== undefined) return r.size;
  r.size = sizeOf(r.key, payloadBytes(r.value), r.headers);
  return r.size;
}

/** A fetched record's size, counted as recordSize counts a produced one (receive's byte budget). */
export function incomingRecordSize(r: IncomingRecord): number {
  return sizeOf(r.key, r.value?.length ?? 0, r.headers);
}

function sizeOf(key: Buffer | null, valueBytes: number, headers: readonly KafkaHeader[]): number {
  let n = 70 + (key?.length ?? 0) + valueBytes;
  for (const h of headers) n += Buffer.byteLength(h.key) + h.value.length + 10;
  return n;
}
