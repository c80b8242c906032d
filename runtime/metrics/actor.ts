/*
 * Metrics from inside an actor's worker thread. prom-client registries can't
 * be shared across threads, so each worker keeps its own and sends a
 * snapshot (cumulative values, plain JSON) to the main thread every
 * `intervalMs` through ctx.publish('metrics', ...). The main thread sums the
 * snapshots of all workers (runtime/metrics/remote.ts) and serves them on
 * /metrics. Cost on the actor's hot path is prom-client's own (~0.3 µs per
 * labelled observe, off the main thread); cache children with .labels().
 *
 *   const m = actorMetrics(ctx);
 *   const produced = m.counter(FEATURE_METRICS.kafka.produced);
 *   produced.labels(connection, topic).inc(batch.length);
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ActorContext } from '../actor/api.ts';
import type { MetricValue } from '../stats/buckets.ts';
import type { CatalogueEntry } from './catalogue.ts';
import type { Aggregation, MetricKind } from './registry.ts';

export const METRICS_TOPIC = 'metrics';

export interface SnapshotMetric {
  name: string;
  help: string;
  type: MetricKind;
  aggregator: Aggregation;
  values: MetricValue[];
}

/** What a worker publishes on the 'metrics' topic. */
export interface ActorMetricsSnapshot {
  v: 1;
  worker: number;
  /** Changes when the worker restarts: the main thread then keeps the old counters as retired totals. */
  bootId: number;
  metrics: SnapshotMetric[];
}

type Spec<L extends string> = Pick<CatalogueEntry<L>, 'name' | 'help' | 'labelNames' | 'buckets' | 'aggregator'>;

export class ActorMetrics {
  readonly registry = new Registry();
  readonly #bootId = Math.floor(Math.random() * 0x7fffffff);
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly ctx: Pick<ActorContext, 'publish' | 'workerIndex'>,
    intervalMs = 2000,
  ) {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  counter<L extends string>(spec: Spec<L>): Counter<L> {
    const m = this.registry.getSingleMetric(spec.name);
    if (m) return m as Counter<L>;
    return new Counter<L>({ ...common(spec), registers: [this.registry] });
  }

  gauge<L extends string>(spec: Spec<L>): Gauge<L> {
    const m = this.registry.getSingleMetric(spec.name);
    if (m) return m as Gauge<L>;
    return new Gauge<L>({ ...common(spec), registers: [this.registry] });
  }

  histogram<L extends string>(spec: Spec<L>): Histogram<L> {
    const m = this.registry.getSingleMetric(spec.name);
    if (m) return m as Histogram<L>;
    return new Histogram<L>({ ...common(spec), buckets: spec.buckets ? [...spec.buckets] : undefined, registers: [this.registry] });
  }

  /** Sends the current values now (also done on the interval and at close). */
  async flush(): Promise<void> {
    const metrics = (await this.registry.getMetricsAsJSON()) as unknown as SnapshotMetric[];
    const snapshot: ActorMetricsSnapshot = { v: 1, worker: this.ctx.workerIndex, bootId: this.#bootId, metrics };
    this.ctx.publish(METRICS_TOPIC, snapshot);
  }

  /** Call from the actor's close(): sends the final values and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

function common<L extends string>(spec: Spec<L>): { name: string; help: string; labelNames: L[]; aggregator: Aggregation } {
  return { name: spec.name, help: spec.help, labelNames: [...spec.labelNames], aggregator: spec.aggregator ?? 'sum' };
}

let perWorker: ActorMetrics | null = null;

/** The worker's ActorMetrics (one per worker thread, made on first use). */
export function actorMetrics(ctx: Pick<ActorContext, 'publish' | 'workerIndex'>, intervalMs?: number): ActorMetrics {
  perWorker ??= new ActorMetrics(ctx, intervalMs);
  return perWorker;
}
