// One group member as the receive/ack API sees it: a bounded buffer fed by
// the driver, long-poll receive, acks that commit only the contiguous prefix
// of acknowledged offsets, and the rebalance rules (revoked partitions are
// forgotten so their next owner redelivers; kept ones resume where they were).
import type { Logger } from 'pino';
import { type DriverClient, type DriverConsumer, type GroupMemberOptions, type IncomingRecord, type TopicPartition, type TopicPartitionOffset, incomingRecordSize } from './driver.ts';
import { kafkaError } from './errors.ts';
import type { OutriggerError } from '../../runtime/errors/error.ts';
import { RecordBuffer } from './record-buffer.ts';
import type { AckOutcome } from './offset-tracker.ts';

/** What a session reports for the metrics (consumed records, lag per partition). */
export interface SessionObserver {
  received(topic: string, n: number): void;
  /** null: the partition is no longer held here. */
  lag(topic: string, partition: number, lag: number | null): void;
}

const COMMIT_RETRY_MS = 1000;

const NO_OBSERVER: SessionObserver = { received: () => {}, lag: () => {} };

export interface SessionOptions extends GroupMemberOptions {
  /** Records buffered + unacked per topic before its partitions pause. */
  fetchSize: number;
  /** Max records received and not yet acked per topic (0 = no limit). */
  concurrency: number;
  /** Received and not acked for this long: the record timed out (0 = never). */
  ackTimeoutMs: number;
  onAckTimeout: 'redeliver' | 'fail';
  /** Record bytes one receive hands out at most (a larger record goes out alone). */
  maxBytesPerReceive: number;
  /** Record bytes buffered + unacked per topic before its partitions pause. */
  fetchBytes: number;
}

export interface AckResult {
  acked: number;
  /** Offsets that were not received from this consumer (already committed, moved away in a rebalance, or never fetched). */
  unknown: number;
  /** Offsets fetched but not yet received: refused, so they cannot be skipped. */
  notReceived: number;
  committed: TopicPartitionOffset[];
}

type Waiter = () => void;

export class ConsumerSession {
  readonly buffer = new RecordBuffer<IncomingRecord>(incomingRecordSize);
  readonly #consumer: DriverConsumer;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #paused = new Set<string>();
  /** Last high watermark the driver reported, by topic and partition. */
  readonly #highWatermarks = new Map<string, Map<number, number>>();
  #rebalancing = true;
  #closed = false;
  #ackTimer: NodeJS.Timeout | null = null;
  #commitRetry: NodeJS.Timeout | null = null;
  /** Set when the ack timeout failed the session (on_ack_timeout: fail); every later call answers it. */
  #failure: OutriggerError | null = null;
  readonly started: Promise<TopicPartition[]>;
  readonly stats = {
    fetched: 0,
    duplicatesDropped: 0,
    received: 0,
    acked: 0,
    commits: 0,
    commitFailures: 0,
    rebalances: 0,
    redelivered: 0,
    ackTimeouts: 0,
    pauses: 0,
    errors: 0,
  };

  constructor(
    client: DriverClient,
    readonly opts: SessionOptions,
    readonly log: Logger,
    readonly observer: SessionObserver = NO_OBSERVER,
  ) {
    this.#consumer = client.consumer(opts, {
      records: (topic, partition, records, highWatermark) => this.#onRecords(topic, partition, records, highWatermark),
      revoking: () => {
        this.#rebalancing = true;
      },
      assigned: (tps) => this.#onAssigned(tps),
      error: (err) => {
        this.stats.errors++;
        this.log.warn({ err, groupId: opts.groupId }, 'kafka consumer lost its group membership; rejoining');
      },
    });
    this.started = this.#consumer.start();
    if (opts.ackTimeoutMs > 0) {
      this.#ackTimer = setInterval(() => this.#checkAcks(), Math.min(5000, Math.max(50, opts.ackTimeoutMs / 4)));
      this.#ackTimer.unref();
    }
  }

  get failure(): OutriggerError | null {
    return this.#failure;
  }

  get closed(): boolean {
    return this.#closed;
  }

  sameAs(groupId: string, topics: readonly string[]): boolean {
    return groupId === this.opts.groupId && topics.length === this.opts.topics.length && topics.every((t) => this.opts.topics.includes(t));
  }

  /**
   * Up to `size` records of `topic` and `maxBytes` of them (at most the session's maxBytesPerReceive), waiting at
   * most `waitMs` (or until `signal` aborts) when none can be handed out.
   */
  async receive(topic: string, size: number, waitMs: number, signal?: AbortSignal, maxBytes = Infinity): Promise<IncomingRecord[]> {
    if (this.#failure) throw this.#failure;
    const deadline = Date.now() + waitMs;
    const bytes = Math.min(maxBytes, this.opts.maxBytesPerReceive);
    for (;;) {
      const got = this.#take(topic, size, bytes);
      if (this.#failure) throw this.#failure;
      if (got.length > 0 || this.#closed) return got;
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return got;
      await this.#wait(topic, left, signal);
    }
  }

  /** Acks the given records (or every received one) and commits what became contiguous. */
  async ack(topic: string, records?: readonly { partition: number; offset: number }[]): Promise<AckResult> {
    if (this.#failure) throw this.#failure;
    const result: AckResult = { acked: 0, unknown: 0, notReceived: 0, committed: [] };
    if (records) {
      for (const r of records) {
        const outcome: AckOutcome = this.buffer.ack(topic, r.partition, r.offset);
        if (outcome === 'acked') result.acked++;
        else if (outcome === 'not-delivered') result.notReceived++;
        else if (outcome === 'unknown') result.unknown++;
      }
    } else result.acked = this.buffer.ackDelivered(topic);
    this.stats.acked += result.acked;
    this.#resumeIfDrained(topic);
    this.#wake(topic);
    result.committed = await this.commit(topic);
    return result;
  }

  /** Commits the positions that moved for `topic` (or all topics); the acks stay recorded if the broker refuses. */
  async commit(topic?: string): Promise<TopicPartitionOffset[]> {
    const pending = this.buffer.pendingCommits(topic);
    if (pending.length === 0) return pending;
    try {
      await this.#consumer.commit(pending);
    } catch (err) {
      this.stats.commitFailures++;
      this.#retryCommitSoon();
      throw err;
    }
    this.stats.commits++;
    this.buffer.markCommitted(pending);
    for (const { topic, partition } of pending) this.#reportLag(topic, partition);
    return pending;
  }

  /** A consumer process restarted: records it received but never acked are handed out again. */
  redeliver(): number {
    const n = this.buffer.redeliver();
    this.stats.redelivered += n;
    for (const t of this.opts.topics) this.#wake(t);
    return n;
  }

  /** Commits what was acknowledged, then leaves the group. */
  async close(): Promise<TopicPartitionOffset[]> {
    if (this.#ackTimer) clearInterval(this.#ackTimer);
    if (this.#commitRetry) clearTimeout(this.#commitRetry);
    this.#ackTimer = null;
    this.#commitRetry = null;
    if (this.#closed) return [];
    let committed: TopicPartitionOffset[] = [];
    try {
      await this.started.catch(() => {});
      committed = await this.commit();
    } catch (err) {
      this.log.warn({ err, groupId: this.opts.groupId }, 'final commit failed; unacknowledged and uncommitted records will be redelivered');
    }
    this.#closed = true;
    for (const [topic, partitions] of this.#highWatermarks) for (const partition of partitions.keys()) this.observer.lag(topic, partition, null);
    this.#highWatermarks.clear();
    for (const t of this.#waiters.keys()) this.#wake(t);
    await this.#consumer.close().catch((err: unknown) => this.log.warn({ err }, 'leaving the group failed'));
    return committed;
  }

  snapshot(): Record<string, unknown> {
    return {
      groupId: this.opts.groupId,
      topics: this.opts.topics,
      rebalancing: this.#rebalancing,
      paused: [...this.#paused],
      partitions: this.buffer.describe(),
      ...this.stats,
    };
  }

  #take(topic: string, size: number, maxBytes: number): IncomingRecord[] {
    if (this.#rebalancing || this.#closed) return [];
    const room = this.opts.concurrency > 0 ? Math.max(0, this.opts.concurrency - this.buffer.unacked(topic)) : size;
    const got = this.buffer.take(topic, Math.min(size, room), Date.now(), maxBytes);
    this.stats.received += got.length;
    if (got.length > 0) this.observer.received(topic, got.length);
    return got;
  }

  #onRecords(topic: string, partition: number, records: IncomingRecord[], highWatermark: number | undefined): void {
    if (this.#closed) return;
    if (highWatermark !== undefined && this.buffer.has(topic, partition)) {
      let byPartition = this.#highWatermarks.get(topic);
      if (!byPartition) this.#highWatermarks.set(topic, (byPartition = new Map()));
      byPartition.set(partition, highWatermark);
      this.#reportLag(topic, partition);
    }
    let accepted = 0;
    for (const r of records) if (this.buffer.accept(topic, partition, r.offset, r)) accepted++;
    this.stats.fetched += accepted;
    this.stats.duplicatesDropped += records.length - accepted;
    if (accepted === 0) return;
    if (!this.#paused.has(topic) && (this.buffer.buffered(topic) + this.buffer.unacked(topic) >= this.opts.fetchSize || this.buffer.bytes(topic) >= this.opts.fetchBytes)) {
      this.#paused.add(topic);
      this.stats.pauses++;
      this.#consumer.pause(this.#partitionsOf(topic));
    }
    this.#wake(topic);
  }

  #onAssigned(tps: TopicPartition[]): void {
    const change = this.buffer.assign(tps);
    this.stats.rebalances++;
    for (const { topic, partition } of change.revoked) {
      if (this.#highWatermarks.get(topic)?.delete(partition)) this.observer.lag(topic, partition, null);
    }
    if (change.droppedUnacked > 0) {
      this.log.info({ groupId: this.opts.groupId, revoked: change.revoked, droppedUnacked: change.droppedUnacked }, 'partitions moved away; their unacknowledged records go to the new owner');
    }
    // Drivers restart kept partitions from the committed offset: skip what is already held here.
    for (const r of change.retained) if (r.nextFetch !== null) this.#consumer.seek({ topic: r.topic, partition: r.partition, offset: r.nextFetch });
    for (const topic of this.#paused) this.#consumer.pause(this.#partitionsOf(topic));
    this.#rebalancing = false;
    // Acks made during the rebalance could not be committed; retry for the partitions still held.
    if (this.buffer.pendingCommits().length > 0) {
      this.commit().catch((err: unknown) => this.log.debug({ err }, 'commit after rebalance failed; retried with the next ack'));
    }
    for (const t of this.opts.topics) {
      this.#resumeIfDrained(t);
      this.#wake(t);
    }
  }

  /**
   * A refused commit is tried again a second later, not only with the next ack: a consumer whose last
   * acks were refused (a rebalance, a coordinator moving) would otherwise leave them uncommitted while
   * it idles, and a crash then would redeliver them.
   */
  #retryCommitSoon(): void {
    if (this.#commitRetry || this.#closed) return;
    this.#commitRetry = setTimeout(() => {
      this.#commitRetry = null;
      if (this.#closed || this.#rebalancing) return this.#retryCommitSoon();
      this.commit().catch((err: unknown) => this.log.debug({ err }, 'commit retry failed; trying again'));
    }, COMMIT_RETRY_MS);
    this.#commitRetry.unref();
  }

  /** Applies the ack timeout policy to records received longer ago than ackTimeoutMs and still unacknowledged. */
  #checkAcks(): void {
    if (this.#closed) return;
    const before = Date.now() - this.opts.ackTimeoutMs;
    const oldest = this.buffer.oldestUnacked();
    if (oldest === null || oldest >= before) return;
    if (this.opts.onAckTimeout === 'redeliver') {
      const n = this.buffer.redeliver(before);
      this.stats.ackTimeouts += n;
      this.stats.redelivered += n;
      this.log.warn({ groupId: this.opts.groupId, records: n, ackTimeoutMs: this.opts.ackTimeoutMs }, 'records received but not acknowledged in time are handed out again');
      for (const t of this.opts.topics) this.#wake(t);
      return;
    }
    this.stats.ackTimeouts++;
    this.#failure = kafkaError(
      'KAFKA_ACK_TIMEOUT',
      `group '${this.opts.groupId}': a record received ${Date.now() - oldest} ms ago was never acknowledged (ack timeout ${this.opts.ackTimeoutMs} ms); ` +
        'the consumer committed what was acknowledged and left the group: call kafka.consume.init again',
      { groupId: this.opts.groupId, topics: this.opts.topics, ackTimeoutMs: this.opts.ackTimeoutMs },
    );
    this.log.warn({ groupId: this.opts.groupId, ackTimeoutMs: this.opts.ackTimeoutMs }, 'ack timeout: the consumer leaves its group');
    void this.close();
  }

  #reportLag(topic: string, partition: number): void {
    const hwm = this.#highWatermarks.get(topic)?.get(partition);
    const at = this.buffer.resumePosition(topic, partition);
    if (hwm !== undefined && at !== null) this.observer.lag(topic, partition, Math.max(0, hwm - at));
  }

  #resumeIfDrained(topic: string): void {
    if (this.#paused.has(topic) && this.buffer.buffered(topic) + this.buffer.unacked(topic) <= this.opts.fetchSize / 2 && this.buffer.bytes(topic) <= this.opts.fetchBytes / 2) {
      this.#paused.delete(topic);
      this.#consumer.resume(this.#partitionsOf(topic));
    }
  }

  #partitionsOf(topic: string): TopicPartition[] {
    return this.buffer.assignment().filter((tp) => tp.topic === topic);
  }

  #wait(topic: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.#waiters.get(topic);
      if (!set) this.#waiters.set(topic, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  #wake(topic: string): void {
    const set = this.#waiters.get(topic);
    if (!set || set.size === 0) return;
    for (const w of [...set]) w();
  }
}

export function consumerNotFound(connection: string, topic: string): Error {
  return kafkaError('KAFKA_CONSUMER_NOT_FOUND', `no consumer for topic '${topic}' on connection '${connection}': call kafka.consume.init first`, {
    connection,
    topic,
  });
}
