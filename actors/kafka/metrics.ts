// The Kafka series of the metrics catalogue (runtime/metrics/catalogue.ts,
// docs/metrics.md), fed by the produce pipeline (once per request and per
// failed record) and by consumer sessions (once per receive and per fetch or
// commit), never per record on the hot path.
import type { ActorContext } from '../../runtime/actor/api.ts';
import { actorMetrics } from '../../runtime/metrics/actor.ts';
import { FEATURE_METRICS } from '../../runtime/metrics/catalogue.ts';

export interface KafkaMetrics {
  /** One produce request acknowledged: its records by topic, and how long it took. */
  delivered(connection: string, topics: ReadonlyMap<string, number>, seconds: number): void;
  /** A record given up on: an async record after its retries, or a sync record whose caller got the error. */
  failed(connection: string, topic: string, code: string): void;
  /** Records handed to a consumer by kafka.consume.receive. */
  consumed(connection: string, group: string, topic: string, n: number): void;
  /** Records between the committed offset and the high watermark; null removes the series (partition moved away). */
  lag(connection: string, group: string, topic: string, partition: number, lag: number | null): void;
  close(): Promise<void>;
}

/** For code paths without an actor context (unit tests of the connection and the pipeline). */
export const NO_KAFKA_METRICS: KafkaMetrics = {
  delivered: () => {},
  failed: () => {},
  consumed: () => {},
  lag: () => {},
  close: async () => {},
};

export function kafkaMetrics(ctx: Pick<ActorContext, 'publish' | 'workerIndex'>): KafkaMetrics {
  const m = actorMetrics(ctx);
  const produced = m.counter(FEATURE_METRICS.kafka.produced);
  const failures = m.counter(FEATURE_METRICS.kafka.produceFailures);
  const duration = m.histogram(FEATURE_METRICS.kafka.produceDuration);
  const consumed = m.counter(FEATURE_METRICS.kafka.consumed);
  const lag = m.gauge(FEATURE_METRICS.kafka.consumerLag);
  return {
    delivered(connection, topics, seconds) {
      duration.labels(connection).observe(seconds);
      for (const [topic, n] of topics) produced.labels(connection, topic).inc(n);
    },
    failed(connection, topic, code) {
      failures.labels(connection, topic, code).inc();
    },
    consumed(connection, group, topic, n) {
      consumed.labels(connection, group, topic).inc(n);
    },
    lag(connection, group, topic, partition, value) {
      if (value === null) lag.remove(connection, group, topic, String(partition));
      else lag.labels(connection, group, topic, String(partition)).set(value);
    },
    close: () => m.close(),
  };
}
