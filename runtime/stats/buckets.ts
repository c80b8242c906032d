/*
 * Fixed-bound histogram counts, cheap enough for the per-request path and
 * plain data so they cross the worker boundary in a heartbeat. prom-client's
 * own Histogram validates and hashes the labels on every observe (~0.3 µs);
 * these are a bucket search and three additions.
 */

/** Request and handler latency bounds in seconds: sidecar work is sub-millisecond to seconds. */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Cumulative-able bucket counts: counts[i] holds observations <= bounds[i] (not cumulative); the last slot is +Inf. */
export interface BucketSnapshot {
  counts: number[];
  sum: number;
  count: number;
}

export class BucketCounts {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[] = LATENCY_BUCKETS_S) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** `weight` > 1 when only one in `weight` events is timed (the worker samples). */
  observe(value: number, weight = 1): void {
    const b = this.bounds;
    let i = 0;
    // Linear scan: most observations land in the first few buckets.
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]! += weight;
    this.sum += value * weight;
    this.count += weight;
  }

  snapshot(): BucketSnapshot {
    return { counts: Array.from(this.counts), sum: this.sum, count: this.count };
  }

  /** Adds another snapshot taken with the same bounds (a retired worker's totals). */
  add(s: BucketSnapshot): void {
    for (let i = 0; i < this.counts.length && i < s.counts.length; i++) this.counts[i]! += s.counts[i]!;
    this.sum += s.sum;
    this.count += s.count;
  }
}

export type LabelValues = Record<string, string | number>;

/** One exported sample in prom-client's MetricObject form. */
export interface MetricValue {
  value: number;
  labels: LabelValues;
  metricName?: string;
}

/** The prom-client sample list for one histogram series: buckets (cumulative), +Inf, sum, count. */
export function histogramValues(
  name: string,
  labels: LabelValues,
  bounds: readonly number[],
  counts: ArrayLike<number>,
  sum: number,
  count: number,
): MetricValue[] {
  const out: MetricValue[] = [];
  let acc = 0;
  for (let i = 0; i < bounds.length; i++) {
    acc += counts[i] ?? 0;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bounds[i]! }, value: acc });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: count });
  return out;
}
