// Consumes a pipeline's topics through the Kafka actor's driver (kafkajs or
// memory) and hands each record to the pipeline in partition order. The
// records a member holds are the Kafka actor's RecordBuffer: the pipeline
// acknowledges a record when it is finished, and only the contiguous
// acknowledged prefix of a partition is committed, with the partition's
// binlog clock at that position in the commit's metadata (version.ts).
import type { Logger } from 'pino';
import type { PipelineConfig } from './config.ts';
import { Backoff } from '../../runtime/resilience/backoff.ts';
import { type CommitOffset, type DriverClient, type DriverConsumer, type IncomingRecord, type TopicPartition, incomingRecordSize } from '../kafka/driver.ts';
import { RecordBuffer } from '../kafka/record-buffer.ts';
import { BinlogClock, clockFromMetadata, clockMetadata } from './version.ts';

export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: Buffer | null;
  /**
   * The partition's binlog clock: stamps the record's version. It also marks
   * the assignment the record came with: finishing a record of a partition
   * that was taken away since (and maybe handed back) changes nothing.
   */
  readonly clock: BinlogClock;
}

/** Returns nothing when the record was taken, or a promise while the pipeline is full. */
export type RecordSink = (record: SourceRecord) => void | Promise<void>;

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset the broker will write. */
  high: number;
  /** Committed offset of this group (-1: none yet). */
  committed: number;
  lag: number;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
/** Records handed to the pipeline between two turns of the event loop (so bulk responses get in). */
const RECORDS_PER_TURN = 256;

export class KafkaSource {
  readonly #buffer = new RecordBuffer<IncomingRecord>(incomingRecordSize);
  /** Clock of every assigned partition whose committed clock is known. */
  readonly #clocks = new Map<string, BinlogClock>();
  #consumer: DriverConsumer | null = null;
  #sink: RecordSink = () => {};
  /** False during a rebalance and until every assigned partition has its clock. */
  #ready = false;
  #closing = false;
  #pumping = false;
  /** Bumped by each assignment: a clock load of an older one is dropped. */
  #assignmentEpoch = 0;
  #nextTopic = 0;
  readonly #paused = new Set<string>();
  #lag: PartitionLag[] = [];
  #assignment: Record<string, number[]> = {};
  #lagTimer: NodeJS.Timeout | null = null;
  /** Aborted when stop begins: the pipeline's backpressure waits listen to it. */
  readonly #abort = new AbortController();

  constructor(
    readonly client: DriverClient,
    readonly cfg: PipelineConfig,
    readonly log: Logger,
    readonly onError: (message: string) => void,
  ) {}

  get stopSignal(): AbortSignal {
    return this.#abort.signal;
  }

  get lag(): readonly PartitionLag[] {
    return this.#lag;
  }

  /** Partitions this member owns since its last group join, by topic. */
  get assignment(): Readonly<Record<string, number[]>> {
    return this.#assignment;
  }

  /** Joins the group (throws when that fails; call again to retry). */
  async start(sink: RecordSink): Promise<void> {
    this.#sink = sink;
    const c = this.cfg.consumer;
    const consumer = this.client.consumer(
      {
        groupId: this.cfg.group,
        topics: this.cfg.topics,
        fromBeginning: this.cfg.startFrom === 'earliest',
        sessionTimeoutMs: c.sessionTimeoutMs,
        rebalanceTimeoutMs: c.rebalanceTimeoutMs,
        heartbeatIntervalMs: Math.min(c.heartbeatIntervalMs, Math.floor(c.sessionTimeoutMs / 3)),
        maxWaitMs: c.maxWaitMs,
        maxBytesPerPartition: c.maxBytesPerPartition,
      },
      {
        records: (topic, partition, records) => this.#onRecords(topic, partition, records),
        revoking: () => {
          this.#ready = false;
        },
        assigned: (tps) => this.#onAssigned(tps),
        error: (err) => {
          this.onError(`kafka: ${err.message}`);
          this.log.warn({ err: err.message }, 'kafka consumer lost its group membership; rejoining');
        },
      },
    );
    this.#consumer = consumer;
    try {
      await consumer.start();
    } catch (err) {
      this.#consumer = null;
      await consumer.close().catch(() => {});
      throw err;
    }
    this.#lagTimer ??= setInterval(() => void this.#refreshLag(), 5000);
    this.#lagTimer.unref();
    void this.#refreshLag();
  }

  /** The pipeline finished a record: it counts towards the next commit. */
  finish(rec: SourceRecord): void {
    if (this.#clocks.get(key(rec.topic, rec.partition)) !== rec.clock) return;
    this.#buffer.ack(rec.topic, rec.partition, rec.offset);
  }

  /** Commits every partition's finished prefix that advanced, with the partition's clock there. */
  async commitDone(): Promise<number> {
    const consumer = this.#consumer;
    if (!consumer || !this.#ready) return 0;
    const offsets: CommitOffset[] = [];
    for (const o of this.#buffer.pendingCommits()) {
      const clock = this.#clocks.get(key(o.topic, o.partition));
      if (clock) offsets.push({ ...o, metadata: clockMetadata(clock.at(o.offset)) });
    }
    if (offsets.length === 0) return 0;
    await consumer.commit(offsets);
    this.#buffer.markCommitted(offsets);
    return offsets.length;
  }

  /** Stops handing out records (what is buffered is left for redelivery); the group is kept for the final commit. */
  pauseIntake(): void {
    this.#closing = true;
    this.#abort.abort();
    this.#consumer?.pause(this.#buffer.assignment());
  }

  async close(): Promise<void> {
    this.pauseIntake();
    if (this.#lagTimer) clearInterval(this.#lagTimer);
    await this.#consumer?.close().catch((err: Error) => this.log.warn({ err: err.message }, 'leaving the consumer group failed'));
  }

  #onAssigned(tps: TopicPartition[]): void {
    this.#ready = false;
    const change = this.#buffer.assign(tps);
    for (const tp of change.revoked) this.#clocks.delete(key(tp.topic, tp.partition));
    // Drivers restart kept partitions from the committed offset: skip what is already held here.
    for (const r of change.retained) if (r.nextFetch !== null) this.#consumer?.seek({ topic: r.topic, partition: r.partition, offset: r.nextFetch });
    for (const topic of this.#paused) this.#consumer?.pause(this.#partitionsOf(topic));
    const byTopic: Record<string, number[]> = {};
    for (const { topic, partition } of tps) (byTopic[topic] ??= []).push(partition);
    this.#assignment = byTopic;
    this.log.info({ assignment: byTopic }, 'joined consumer group');
    const missing = tps.filter((tp) => !this.#clocks.has(key(tp.topic, tp.partition)));
    const epoch = ++this.#assignmentEpoch;
    if (missing.length === 0) this.#open();
    else void this.#loadClocks(epoch, missing);
  }

  /** Starts the clocks of newly assigned partitions where their committed offsets' metadata says. */
  async #loadClocks(epoch: number, tps: TopicPartition[]): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000 });
    while (epoch === this.#assignmentEpoch && !this.#closing) {
      try {
        const committed = await this.client.committedOffsets(this.cfg.group, [...new Set(tps.map((tp) => tp.topic))]);
        if (epoch !== this.#assignmentEpoch) return;
        const metadata = new Map(committed.map((c) => [key(c.topic, c.partition), c.metadata]));
        for (const { topic, partition } of tps) this.#clocks.set(key(topic, partition), new BinlogClock(clockFromMetadata(metadata.get(key(topic, partition)))));
        this.#open();
        return;
      } catch (err) {
        this.onError(`kafka: committed offsets: ${(err as Error).message}`);
        if (!(await backoff.wait(this.#abort.signal))) return;
      }
    }
  }

  #open(): void {
    this.#ready = true;
    // A rebalance may have taken away the partitions whose records paused a topic: nothing else would resume it.
    for (const t of this.cfg.topics) this.#resumeIfDrained(t);
    this.#pump();
  }

  #onRecords(topic: string, partition: number, records: IncomingRecord[]): void {
    if (this.#closing) return;
    let accepted = 0;
    for (const r of records) if (this.#buffer.accept(topic, partition, r.offset, r)) accepted++;
    if (accepted === 0) return;
    const c = this.cfg.consumer;
    if (!this.#paused.has(topic) && (this.#buffer.buffered(topic) >= c.fetchSize || this.#buffer.bufferedBytes(topic) >= c.fetchBytes)) {
      this.#paused.add(topic);
      this.#consumer?.pause(this.#partitionsOf(topic));
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping || !this.#ready || this.#closing) return;
    this.#pumping = true;
    void this.#drain()
      .catch((err: unknown) => this.log.error({ err }, 'es pipeline intake failed'))
      .finally(() => {
        this.#pumping = false;
      });
  }

  /**
   * Hands buffered records to the pipeline one at a time, in partition
   * order, round-robin over topics and partitions; waits while the pipeline
   * is full. A record is taken from the buffer only when it is handed over,
   * so a rebalance or a stop never strands one taken and not processed.
   */
  async #drain(): Promise<void> {
    let n = 0;
    while (this.#ready && !this.#closing) {
      const r = this.#take();
      if (!r) return;
      const clock = this.#clocks.get(key(r.topic, r.partition))!;
      const wait = this.#sink({ topic: r.topic, partition: r.partition, offset: r.offset, value: r.value, clock });
      if (wait) await wait;
      else if (++n % RECORDS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      this.#resumeIfDrained(r.topic);
    }
  }

  #take(): IncomingRecord | undefined {
    const topics = this.cfg.topics;
    for (let i = 0; i < topics.length; i++) {
      const topic = topics[(this.#nextTopic + i) % topics.length]!;
      const [r] = this.#buffer.take(topic, 1);
      if (r) {
        this.#nextTopic = (this.#nextTopic + i + 1) % topics.length;
        return r;
      }
    }
    return undefined;
  }

  #resumeIfDrained(topic: string): void {
    const c = this.cfg.consumer;
    if (!this.#closing && this.#paused.has(topic) && this.#buffer.buffered(topic) <= c.fetchSize / 2 && this.#buffer.bufferedBytes(topic) <= c.fetchBytes / 2) {
      this.#paused.delete(topic);
      this.#consumer?.resume(this.#partitionsOf(topic));
    }
  }

  #partitionsOf(topic: string): TopicPartition[] {
    return this.#buffer.assignment().filter((tp) => tp.topic === topic);
  }

  async #refreshLag(): Promise<void> {
    try {
      const out: PartitionLag[] = [];
      const committed = await this.client.committedOffsets(this.cfg.group, this.cfg.topics);
      for (const topic of this.cfg.topics) {
        for (const w of await this.client.watermarks(topic)) {
          const c = committed.find((x) => x.topic === topic && x.partition === w.partition)?.offset ?? -1;
          out.push({ topic, partition: w.partition, high: w.high, committed: c, lag: Math.max(0, w.high - (c >= 0 ? c : w.low)) });
        }
      }
      this.#lag = out;
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'lag refresh failed');
    }
  }
}
