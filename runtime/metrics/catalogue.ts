/*
 * Metrics the feature actors (Kafka, Modbus, ES) emit from their workers.
 * The main thread declares every name here at start, so dashboards, alert
 * rules and their tests find them before the first sample arrives. Actors
 * declare them through `actorMetrics(ctx).counter(FEATURE_METRICS.kafka.produced)`
 * etc. so names, labels and buckets match. docs/metrics.md is the contract.
 */
import { LATENCY_BUCKETS_S } from '../stats/buckets.ts';
import type { Aggregation, MetricKind } from './registry.ts';

export interface CatalogueEntry<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type: MetricKind;
  readonly labelNames: readonly L[];
  readonly buckets?: readonly number[];
  /** How series with the same labels from several workers combine (default sum). */
  readonly aggregator?: Aggregation;
}

function entry<const L extends string>(e: CatalogueEntry<L>): CatalogueEntry<L> {
  return e;
}

/** Backend calls are slower than in-process work: milliseconds to tens of seconds. */
export const BACKEND_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const FEATURE_METRICS = {
  kafka: {
    produced: entry({
      name: 'outrigger_kafka_produced_messages_total',
      help: 'Messages acknowledged by Kafka, by connection and topic.',
      type: 'counter',
      labelNames: ['connection', 'topic'],
    }),
    produceFailures: entry({
      name: 'outrigger_kafka_produce_failures_total',
      help: 'Messages whose delivery failed (after retries), by connection, topic and error code.',
      type: 'counter',
      labelNames: ['connection', 'topic', 'code'],
    }),
    produceDuration: entry({
      name: 'outrigger_kafka_produce_duration_seconds',
      help: 'Time for one produce request (batch) to be acknowledged, by connection.',
      type: 'histogram',
      labelNames: ['connection'],
      buckets: BACKEND_BUCKETS_S,
    }),
    consumed: entry({
      name: 'outrigger_kafka_consumed_messages_total',
      help: 'Records handed to consumers, by connection, group and topic.',
      type: 'counter',
      labelNames: ['connection', 'group', 'topic'],
    }),
    consumerLag: entry({
      name: 'outrigger_kafka_consumer_lag',
      help: 'Records between the committed offset and the partition high watermark.',
      type: 'gauge',
      labelNames: ['connection', 'group', 'topic', 'partition'],
      aggregator: 'max',
    }),
  },
  modbus: {
    pollDuration: entry({
      name: 'outrigger_modbus_poll_duration_seconds',
      help: 'Time for one poll cycle of a device (all its point ranges).',
      type: 'histogram',
      labelNames: ['device'],
      buckets: BACKEND_BUCKETS_S,
    }),
    deviceUp: entry({
      name: 'outrigger_modbus_device_up',
      help: '1 while the device is connected and its last poll succeeded, else 0.',
      type: 'gauge',
      labelNames: ['device'],
      aggregator: 'max',
    }),
    pointsRead: entry({
      name: 'outrigger_modbus_points_read_total',
      help: 'Register/coil values read, by device (rate() gives points per second).',
      type: 'counter',
      labelNames: ['device'],
    }),
    pollFailures: entry({
      name: 'outrigger_modbus_poll_failures_total',
      help: 'Failed polls, by device and error code.',
      type: 'counter',
      labelNames: ['device', 'code'],
    }),
  },
  es: {
    bulkDuration: entry({
      name: 'outrigger_es_bulk_duration_seconds',
      help: 'Time for one _bulk request, by cluster.',
      type: 'histogram',
      labelNames: ['cluster'],
      buckets: BACKEND_BUCKETS_S,
    }),
    documentsIndexed: entry({
      name: 'outrigger_es_documents_indexed_total',
      help: 'Documents written (index, update or delete accepted), by cluster and pipeline.',
      type: 'counter',
      labelNames: ['cluster', 'pipeline'],
    }),
    deadLettered: entry({
      name: 'outrigger_es_documents_dead_lettered_total',
      help: 'Documents given up on and sent to the dead-letter store, by cluster and pipeline.',
      type: 'counter',
      labelNames: ['cluster', 'pipeline'],
    }),
    bulkFailures: entry({
      name: 'outrigger_es_bulk_failures_total',
      help: 'Failed _bulk requests (whole request), by cluster and error code.',
      type: 'counter',
      labelNames: ['cluster', 'code'],
    }),
  },
} as const;

export function catalogueEntries(): CatalogueEntry[] {
  return Object.values(FEATURE_METRICS).flatMap((group) => Object.values(group) as CatalogueEntry[]);
}

export { LATENCY_BUCKETS_S };
