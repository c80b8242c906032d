/*
 * Main-thread side of actor metrics: keeps the latest snapshot of every
 * worker (runtime/metrics/actor.ts) and serves their sum on /metrics. Every
 * catalogue name is declared at start (no samples until an actor reports);
 * names an actor introduces later are declared when first seen. A worker
 * replaced by a restart leaves its counters and histograms as retired
 * totals so they never go backwards; its gauges go with it.
 */
import * as prom from 'prom-client';
import type { Logger } from 'pino';
import type { ActorMetricsSnapshot, SnapshotMetric } from './actor.ts';
import type { MetricValue } from '../stats/buckets.ts';
import { catalogueEntries } from './catalogue.ts';
import { type Aggregation, type MetricKind, type Registry, collected } from './registry.ts';
import { scrubLabelValue } from '../security/redact.ts';

type AggregatorFn = (metrics: SnapshotMetric[]) => SnapshotMetric | undefined;

// prom-client exports its cluster aggregators at runtime but not in its typings.
const aggregators = (prom as unknown as { aggregators: Record<Aggregation, AggregatorFn> }).aggregators;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function isSnapshot(v: unknown): v is ActorMetricsSnapshot {
  const s = v as ActorMetricsSnapshot | null;
  return typeof s === 'object' && s !== null && s.v === 1 && Array.isArray(s.metrics) && typeof s.worker === 'number';
}

export class RemoteMetrics {
  /** Latest snapshot per `${actor}#${host generation}#${worker}`. */
  readonly #live = new Map<string, ActorMetricsSnapshot>();
  /** Tells apart the hosts of one actor (old and new during a reload). */
  readonly #generations = new WeakMap<object, number>();
  #nextGeneration = 1;
  /** Counters and histograms of replaced workers, already summed, by metric name. */
  readonly #retired = new Map<string, SnapshotMetric>();
  readonly #declared = new Map<string, MetricKind>();
  readonly #warned = new Set<string>();

  constructor(
    readonly registry: Registry,
    readonly log: Logger,
    /** Names owned by the runtime: an actor may not report under them. */
    readonly reserved: (name: string) => boolean,
  ) {
    for (const e of catalogueEntries()) this.#declare(e.name, e.help, e.type, e.aggregator ?? 'sum');
  }

  #prefix(actor: string, host: object | undefined): string {
    let gen = 0;
    if (host) {
      gen = this.#generations.get(host) ?? 0;
      if (gen === 0) this.#generations.set(host, (gen = this.#nextGeneration++));
    }
    return `${actor}#${gen}#`;
  }

  /** daemon.events 'metrics' listener; `host` is the ActorRuntime that published it. */
  receive(data: unknown, actor: string, host?: object): void {
    if (!isSnapshot(data)) {
      this.#warnOnce(`shape:${actor}`, { actor }, "ignored a 'metrics' event that is not an actorMetrics() snapshot");
      return;
    }
    const key = `${this.#prefix(actor, host)}${data.worker}`;
    const prev = this.#live.get(key);
    if (prev && prev.bootId !== data.bootId) this.#retire(prev);
    this.#live.set(key, data);
    for (const m of data.metrics) {
      if (this.#declared.has(m.name)) continue;
      if (!METRIC_NAME.test(m.name) || this.reserved(m.name)) {
        this.#warnOnce(`name:${m.name}`, { actor, metric: m.name }, 'actor metric name refused (invalid or owned by the runtime)');
        continue;
      }
      this.#declare(m.name, m.help, m.type, m.aggregator);
    }
  }

  /** A host stopped (reload removed or replaced it): keep its workers' counters, drop its gauges. */
  retireHost(actor: string, host?: object): void {
    const prefix = this.#prefix(actor, host);
    for (const [key, snap] of this.#live) {
      if (key.startsWith(prefix)) {
        this.#retire(snap);
        this.#live.delete(key);
      }
    }
  }

  #retire(snap: ActorMetricsSnapshot): void {
    for (const m of snap.metrics) {
      if (m.type === 'gauge') continue;
      const prev = this.#retired.get(m.name);
      const merged = prev ? aggregators.sum([prev, m]) : m;
      if (merged) this.#retired.set(m.name, merged);
    }
  }

  #declare(name: string, help: string, type: MetricKind, aggregator: Aggregation): void {
    this.#declared.set(name, type);
    collected({ name, help, type, aggregator, collect: () => this.#values(name, aggregator) }, this.registry);
  }

  #values(name: string, aggregator: Aggregation): MetricValue[] {
    const parts: SnapshotMetric[] = [];
    const retired = this.#retired.get(name);
    if (retired) parts.push(retired);
    for (const snap of this.#live.values()) {
      for (const m of snap.metrics) if (m.name === name) parts.push(m);
    }
    if (parts.length === 0) return [];
    const fn = aggregators[aggregator] ?? aggregators.sum;
    // Retired totals are only meaningful summed with live counters.
    const merged = retired && aggregator !== 'sum' ? aggregators.sum(parts) : fn(parts);
    return (merged?.values ?? []).map((v) => ({ ...v, labels: scrubLabels(v.labels) }));
  }

  #warnOnce(key: string, obj: object, msg: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.log.warn(obj, msg);
  }
}

function scrubLabels(labels: MetricValue['labels']): MetricValue['labels'] {
  let out: MetricValue['labels'] | null = null;
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') continue;
    const clean = scrubLabelValue(v);
    if (clean !== v) {
      out ??= { ...labels };
      out[k] = clean;
    }
  }
  return out ?? labels;
}
