// One consumer-group member on kafkajs. Records go to the caller's buffer as
// kafkajs fetches them; kafkajs never commits by itself (autoCommit off):
// commits come only from commit(), with the positions the caller computed.
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaConnection } from '../config.ts';
import type { CommitOffset, ConsumerEvents, DriverConsumer, GroupMemberOptions, IncomingRecord, KafkaHeader, TopicPartition, TopicPartitionOffset } from '../driver.ts';
import { kafkaError } from '../errors.ts';
import { installCommitGuard } from './commit-guard.ts';
import { fromKafkaJS } from './errors.ts';

function headersOf(m: KafkaMessage): KafkaHeader[] {
  const out: KafkaHeader[] = [];
  if (!m.headers) return out;
  for (const [key, v] of Object.entries(m.headers)) {
    if (v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) out.push({ key, value: Buffer.isBuffer(value) ? value : Buffer.from(value) });
  }
  return out;
}

function byTopic(tps: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const m = new Map<string, number[]>();
  for (const { topic, partition } of tps) {
    let l = m.get(topic);
    if (!l) m.set(topic, (l = []));
    l.push(partition);
  }
  return [...m].map(([topic, partitions]) => ({ topic, partitions }));
}

export class KafkajsConsumer implements DriverConsumer {
  readonly #consumer: Consumer;
  /** True between a group join and the next rebalance/crash/stop: only then can a commit succeed. */
  #member = false;
  /** `topic:partition:offset` of commits kafkajs reported stored (its COMMIT_OFFSETS event), until checked. */
  readonly #stored = new Set<string>();
  #closed = false;
  #assignment: TopicPartition[] = [];
  readonly #removeListeners: (() => void)[] = [];

  constructor(
    kafka: Kafka,
    readonly connection: KafkaConnection,
    readonly opts: GroupMemberOptions,
    readonly events: ConsumerEvents,
    readonly onClosed: () => void,
  ) {
    installCommitGuard();
    const c = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs,
      rebalanceTimeout: opts.rebalanceTimeoutMs,
      heartbeatInterval: opts.heartbeatIntervalMs,
      maxWaitTimeInMs: opts.maxWaitMs,
      maxBytesPerPartition: opts.maxBytesPerPartition,
      allowAutoTopicCreation: connection.auto_create_topics_enable,
    });
    this.#consumer = c;
    const on = c.on.bind(c) as (event: string, listener: (e: { payload: Record<string, unknown> }) => void) => () => void;
    this.#removeListeners.push(
      on(c.events.GROUP_JOIN, (e) => {
        const assignment = e.payload.memberAssignment as Record<string, number[]>;
        this.#assignment = Object.entries(assignment).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
        this.#member = true;
        this.events.assigned(this.#assignment);
      }),
      on(c.events.REBALANCING, () => {
        this.#member = false;
        this.events.revoking();
      }),
      on(c.events.CRASH, (e) => {
        this.#member = false;
        this.events.error(fromKafkaJS(e.payload.error, `consumer group '${opts.groupId}'`));
      }),
      on(c.events.COMMIT_OFFSETS, (e) => {
        for (const t of e.payload.topics as { topic: string; partitions: { partition: number; offset: string }[] }[]) {
          for (const p of t.partitions) this.#stored.add(`${t.topic}:${p.partition}:${p.offset}`);
        }
      }),
      on(c.events.STOP, () => {
        this.#member = false;
      }),
    );
  }

  async start(): Promise<TopicPartition[]> {
    // kafkajs resolves where partitions without a committed offset start (AtEnd = the log end) in its
    // first fetch; waiting for it means a record produced after start() returns is never skipped.
    let offFetch: (() => void) | undefined;
    const firstFetch = new Promise<void>((resolve) => {
      offFetch = this.#consumer.on(this.#consumer.events.FETCH, () => resolve());
    });
    try {
      await this.#consumer.connect();
      await this.#consumer.subscribe({ topics: this.opts.topics, fromBeginning: this.opts.fromBeginning });
      await this.#consumer.run({
        autoCommit: false,
        // kafkajs moves its fetch position past each batch; what is committed is decided by the caller.
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, isStale, isRunning }) => {
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          const records: IncomingRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(m.offset),
            key: m.key ?? null,
            value: m.value ?? null,
            headers: headersOf(m),
            timestamp: Number(m.timestamp),
          }));
          this.events.records(batch.topic, batch.partition, records, Number(batch.highWatermark));
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([firstFetch, new Promise<void>((r) => (timer = setTimeout(r, this.opts.maxWaitMs + 2000)))]);
      clearTimeout(timer);
    } catch (err) {
      await this.close().catch(() => {});
      throw fromKafkaJS(err, `join group '${this.opts.groupId}'`);
    } finally {
      offFetch?.();
    }
    return this.#assignment;
  }

  // kafkajs throws from pause, resume and seek while it restarts its group member (after a crash, e.g.
  // a coordinator that died); the new member starts unpaused from the committed offsets, and the session
  // pauses and seeks again when it is assigned partitions, so nothing is lost by skipping them here.
  pause(tps: TopicPartition[]): void {
    if (tps.length > 0 && !this.#closed) this.#whileMember(() => this.#consumer.pause(byTopic(tps)));
  }

  resume(tps: TopicPartition[]): void {
    if (tps.length > 0 && !this.#closed) this.#whileMember(() => this.#consumer.resume(byTopic(tps)));
  }

  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    if (this.#closed || !this.#assignment.some((tp) => tp.topic === topic && tp.partition === partition)) return;
    this.#whileMember(() => this.#consumer.seek({ topic, partition, offset: String(offset) }));
  }

  #whileMember(f: () => void): void {
    try {
      f();
    } catch (err) {
      if (this.#member) throw fromKafkaJS(err, `group '${this.opts.groupId}'`);
    }
  }

  async commit(offsets: CommitOffset[]): Promise<void> {
    // kafkajs silently skips a commit while its runner is stopped (crash, restart), so refuse it here.
    if (this.#closed || !this.#member) {
      throw kafkaError('KAFKA_COMMIT_FAILED', `group '${this.opts.groupId}': not a member right now (rebalancing, reconnecting or closed)`, {
        type: this.#closed ? 'CLOSED' : 'REBALANCE_IN_PROGRESS',
      });
    }
    const keys = offsets.map((o) => `${o.topic}:${o.partition}:${o.offset}`);
    for (const k of keys) this.#stored.delete(k);
    try {
      await this.#consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset), metadata: o.metadata ?? null })));
    } catch (err) {
      const e = fromKafkaJS(err, `commit for group '${this.opts.groupId}'`);
      if (e.code === 'KAFKA_UNREACHABLE' || e.code === 'KAFKA_TIMEOUT' || e.code === 'KAFKA_COMMIT_FAILED') throw e;
      throw kafkaError('KAFKA_COMMIT_FAILED', e.message, { type: (e.data as { type?: string } | undefined)?.type ?? e.code });
    }
    // kafkajs resolves a commit without sending it while its runner is not running: right after a
    // restart (a crash, e.g. when the coordinator died) it reports the join before it runs, and a
    // runner stopping meanwhile drops a commit being retried. Taken for stored, those offsets would
    // never be committed again, so only a commit kafkajs reported stored counts.
    const stored = keys.every((k) => this.#stored.has(k));
    for (const k of keys) this.#stored.delete(k);
    if (!stored) {
      throw kafkaError('KAFKA_COMMIT_FAILED', `group '${this.opts.groupId}': kafkajs did not send the commit (its consumer is restarting); the acks are kept`, {
        type: 'NOT_RUNNING',
      });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#member = false;
    try {
      await this.#consumer.disconnect();
    } finally {
      for (const off of this.#removeListeners) off();
      this.onClosed();
    }
  }
}
