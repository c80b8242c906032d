// A named Kafka connection inside one worker: its driver client (opened on
// first use), its circuit breaker, its producer queue and its consumers
// (at most one per topic).
import type { Logger } from 'pino';
import { CircuitBreaker } from '../../runtime/resilience/circuit-breaker.ts';
import type { ConsumerSettings, DriverName, KafkaConnection, ProducerSettings } from './config.ts';
import { describeConnection } from './config.ts';
import { ConsumerSession, consumerNotFound } from './consumer-session.ts';
import type { DriverClient, KafkaDriver, OutgoingRecord, ProducedRecord, TopicPartition } from './driver.ts';
import { isBackendFailure, kafkaError } from './errors.ts';
import { type KafkaMetrics, NO_KAFKA_METRICS } from './metrics.ts';
import type { InitParams } from './params.ts';
import { ProducePipeline } from './produce-pipeline.ts';

/** Logs async delivery failures at most once per interval per code, with counts, so a dead cluster cannot flood the log. */
class FailureLog {
  readonly #pending = new Map<string, { count: number; sample: string; topic: string }>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly log: Logger,
    readonly intervalMs = 5000,
  ) {}

  add(code: string, topic: string, message: string): void {
    const first = !this.#pending.has(code) && !this.#timer;
    const e = this.#pending.get(code) ?? { count: 0, sample: message, topic };
    e.count++;
    this.#pending.set(code, e);
    if (first) this.flush();
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.flush();
    }, this.intervalMs);
  }

  flush(): void {
    for (const [code, e] of this.#pending) {
      this.log.error({ code, failed: e.count, topic: e.topic, error: e.sample }, 'async kafka records could not be delivered');
    }
    this.#pending.clear();
  }
}

function countByTopic(records: readonly OutgoingRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  let topic = records[0]!.topic;
  let n = 0;
  // Requests mostly carry one topic: count runs, one map write per run.
  for (const r of records) {
    if (r.topic !== topic) {
      counts.set(topic, (counts.get(topic) ?? 0) + n);
      topic = r.topic;
      n = 0;
    }
    n++;
  }
  counts.set(topic, (counts.get(topic) ?? 0) + n);
  return counts;
}

export class Connection {
  readonly breaker: CircuitBreaker;
  readonly producer: ProducePipeline;
  readonly #consumers = new Map<string, ConsumerSession>();
  readonly #failures: FailureLog;
  #client: DriverClient | null = null;
  #topicsReady: Promise<void> | null = null;

  constructor(
    readonly name: string,
    readonly config: KafkaConnection,
    readonly driver: KafkaDriver,
    readonly settings: { producer: ProducerSettings; consumer: ConsumerSettings },
    readonly log: Logger,
    readonly metrics: KafkaMetrics = NO_KAFKA_METRICS,
  ) {
    this.breaker = new CircuitBreaker(`kafka connection '${name}'`, {
      failureThreshold: config.circuit.failure_threshold,
      resetTimeoutMs: config.circuit.reset_timeout,
      halfOpenMax: config.circuit.half_open_max,
      isFailure: isBackendFailure,
    });
    this.#failures = new FailureLog(log);
    this.producer = new ProducePipeline(
      (records) => this.#send(records),
      settings.producer,
      (record, err, sync) => {
        this.metrics.failed(name, record.topic, err.code);
        // A sync caller got the error itself; async failures would go unseen without the log.
        if (!sync) this.#failures.add(err.code, record.topic, err.message);
      },
    );
  }

  /** Refuses at once while the circuit is open, before any work is queued (a half-open trial goes through call()). */
  failFastIfOpen(): void {
    if (this.breaker.state !== 'open') return;
    this.breaker.rejected++;
    throw this.breaker.openError();
  }

  get driverName(): DriverName {
    return this.driver.name;
  }

  /** The driver client, opened on first use; topics the connection declares are created once, before any call. */
  async client(): Promise<DriverClient> {
    this.#client ??= this.driver.open(this.name, this.config, this.log);
    const declared = Object.entries(this.config.topics);
    if (declared.length > 0) {
      const client = this.#client;
      this.#topicsReady ??= this.breaker.call(() => client.createTopics(declared.map(([topic, t]) => ({ topic, partitions: t.partitions }))));
      const ready = this.#topicsReady;
      // A failure is reported to this caller and retried by the next one.
      await ready.catch((err: unknown) => {
        if (this.#topicsReady === ready) this.#topicsReady = null;
        throw err;
      });
    }
    return this.#client;
  }

  async #send(records: OutgoingRecord[]): Promise<ProducedRecord[]> {
    this.failFastIfOpen();
    const client = await this.client();
    const t0 = performance.now();
    const produced = await this.breaker.call(() => client.produce(records, { timeoutMs: this.config.request_timeout }));
    this.metrics.delivered(this.name, countByTopic(records), (performance.now() - t0) / 1000);
    return produced;
  }

  /** Starts a consumer, or hands the existing one back (redelivering what its previous user never acked). */
  async initConsumer(p: InitParams): Promise<{ session: ConsumerSession; reinitialized: boolean; redelivered: number; assignment: TopicPartition[] }> {
    const topics = [...new Set(p.consume_options.topics)];
    let existing = topics.map((t) => this.#consumers.get(t)).find((s) => s !== undefined);
    if (existing?.failure) {
      // Failed on an ack timeout and already closed: init starts a fresh member.
      for (const t of existing.opts.topics) if (this.#consumers.get(t) === existing) this.#consumers.delete(t);
      existing = undefined;
    }
    if (existing) {
      if (!existing.sameAs(p.group_options.group_id, topics)) {
        throw kafkaError(
          'KAFKA_CONSUMER_CONFLICT',
          `connection '${this.name}' already consumes ${existing.opts.topics.join(', ')} as group '${existing.opts.groupId}'; close it first`,
          { connection: this.name, groupId: existing.opts.groupId, topics: existing.opts.topics },
        );
      }
      const assignment = await existing.started;
      return { session: existing, reinitialized: true, redelivered: existing.redeliver(), assignment };
    }
    this.failFastIfOpen();
    const client = await this.client();
    if (p.group_options.instance_id !== undefined && this.driver.name === 'kafkajs') {
      this.log.warn({ instanceId: p.group_options.instance_id }, 'group_options.instance_id is ignored: kafkajs has no static group membership');
    }
    const c = this.settings.consumer;
    const g = p.group_options;
    const o = p.consume_options;
    const session = new ConsumerSession(
      client,
      {
        groupId: g.group_id,
        topics,
        fromBeginning: o.offset === 'start',
        sessionTimeoutMs: g.session_timeout ?? c.sessionTimeoutMs,
        rebalanceTimeoutMs: g.rebalance_timeout ?? c.rebalanceTimeoutMs,
        heartbeatIntervalMs: g.heartbeat_interval ?? c.heartbeatIntervalMs,
        instanceId: g.instance_id,
        maxWaitMs: o.max_wait ?? c.maxWaitMs,
        maxBytesPerPartition: o.max_bytes_per_partition ?? c.maxBytesPerPartition,
        fetchSize: o.fetch_size ?? c.fetchSize,
        concurrency: o.concurrency ?? 0,
        ackTimeoutMs: o.ack_timeout ?? c.ackTimeoutMs,
        onAckTimeout: o.on_ack_timeout ?? c.onAckTimeout,
        maxBytesPerReceive: c.maxBytesPerReceive,
        fetchBytes: c.fetchBytes,
      },
      this.log.child({ groupId: g.group_id }),
      {
        received: (topic, n) => this.metrics.consumed(this.name, g.group_id, topic, n),
        lag: (topic, partition, lag) => this.metrics.lag(this.name, g.group_id, topic, partition, lag),
      },
    );
    for (const t of topics) this.#consumers.set(t, session);
    try {
      const assignment = await this.breaker.call(() => session.started);
      return { session, reinitialized: false, redelivered: 0, assignment };
    } catch (err) {
      for (const t of topics) if (this.#consumers.get(t) === session) this.#consumers.delete(t);
      await session.close().catch(() => {});
      throw err;
    }
  }

  consumer(topic: string): ConsumerSession {
    const s = this.#consumers.get(topic);
    if (s?.failure) throw s.failure;
    if (!s || s.closed) throw consumerNotFound(this.name, topic);
    return s;
  }

  /** Closes the consumer of one topic, or all of them; returns what was committed on the way out. */
  async closeConsumers(topic?: string): Promise<{ closed: number; committed: { topic: string; partition: number; offset: number }[] }> {
    const sessions = new Set<ConsumerSession>();
    for (const [t, s] of this.#consumers) if (topic === undefined || t === topic) sessions.add(s);
    const committed = [];
    for (const s of sessions) {
      for (const t of s.opts.topics) if (this.#consumers.get(t) === s) this.#consumers.delete(t);
      committed.push(...(await s.close()));
    }
    return { closed: sessions.size, committed };
  }

  snapshot(): Record<string, unknown> {
    return {
      ...describeConnection(this.name, this.config, this.driver.name),
      circuit: this.breaker.snapshot(),
      producer: { ...this.producer.snapshot(), resent: this.#client?.resent?.() ?? 0 },
      consumers: [...new Set(this.#consumers.values())].map((s) => s.snapshot()),
    };
  }

  /** Flushes the producer, commits and leaves every group, then closes the client. */
  async close(deadline: number): Promise<void> {
    await this.closeConsumers();
    await this.producer.close(deadline);
    this.#failures.flush();
    await this.#client?.close().catch((err: unknown) => this.log.warn({ err }, 'closing the kafka client failed'));
  }
}
