/*
 * The metrics registries and the helpers to declare metrics once.
 *
 * - `sharedRegistry`: module level, for main-thread feature code that wants a
 *   plain prom-client metric (`counter({...})` declared at import time).
 * - A daemon's own registry (`new Registry()` per Daemon, see
 *   runtime-metrics.ts) holds everything computed from that daemon's state.
 * /metrics serves both. Worker threads cannot share either (prom-client keeps
 * values in plain objects of its own isolate): actors use runtime/metrics/actor.ts,
 * whose snapshots are summed on the main thread (see docs/metrics.md).
 */
import {
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Metric,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';
import type { MetricValue } from '../stats/buckets.ts';

export { Registry };

export const sharedRegistry = new Registry();

export type MetricKind = 'counter' | 'gauge' | 'histogram';
export type Aggregation = 'sum' | 'max' | 'min' | 'first' | 'omit' | 'average';

function existing<T>(reg: Registry, name: string, ctor: abstract new (...args: never[]) => T): T | undefined {
  const m = reg.getSingleMetric(name);
  if (m === undefined) return undefined;
  if (!(m instanceof ctor)) throw new Error(`metric '${name}' is already declared with another type`);
  return m;
}

/** Declares a counter, or returns the one already declared under that name. */
export function counter<L extends string = string>(cfg: CounterConfiguration<L>, reg: Registry = sharedRegistry): Counter<L> {
  return existing<Counter<L>>(reg, cfg.name, Counter) ?? new Counter({ ...cfg, registers: [reg] });
}

export function gauge<L extends string = string>(cfg: GaugeConfiguration<L>, reg: Registry = sharedRegistry): Gauge<L> {
  return existing<Gauge<L>>(reg, cfg.name, Gauge) ?? new Gauge({ ...cfg, registers: [reg] });
}

export function histogram<L extends string = string>(cfg: HistogramConfiguration<L>, reg: Registry = sharedRegistry): Histogram<L> {
  return existing<Histogram<L>>(reg, cfg.name, Histogram) ?? new Histogram({ ...cfg, registers: [reg] });
}

export interface CollectedMetricSpec {
  name: string;
  help: string;
  type: MetricKind;
  /** Computes the samples at scrape time; nothing is paid between scrapes. */
  collect(): MetricValue[] | Promise<MetricValue[]>;
  aggregator?: Aggregation;
}

/**
 * Registers a metric whose samples are computed when scraped (from router
 * stats, host snapshots, worker heartbeats). prom-client accepts any object
 * with name and get(); its TypeScript type only lists its own classes.
 */
export function collected(spec: CollectedMetricSpec, reg: Registry): void {
  const metric = {
    name: spec.name,
    help: spec.help,
    type: spec.type,
    aggregator: spec.aggregator ?? 'sum',
    get: async () => ({
      name: spec.name,
      help: spec.help,
      type: spec.type,
      values: await spec.collect(),
      aggregator: spec.aggregator ?? 'sum',
    }),
    reset: () => {},
  };
  reg.registerMetric(metric as unknown as Metric);
}

let defaultsCollected = false;

/**
 * Process memory, CPU, event-loop delay and GC metrics (prom-client's
 * defaults), once per process into the shared registry.
 */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: sharedRegistry, eventLoopMonitoringPrecision: 20 });
}

/** Prometheus text of several registries (names are disjoint by construction). */
export async function exposition(regs: Registry[]): Promise<string> {
  const parts = await Promise.all(regs.map((r) => r.metrics()));
  return parts.filter((p) => p.trim() !== '').join('\n');
}

export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
