// The ES series of the metrics catalogue (runtime/metrics/catalogue.ts,
// docs/metrics.md): each `_bulk` request's duration and failures, measured
// around the cluster client, and documents written or dead-lettered, taken
// from the pipeline counters the status already keeps.
import type { ActorContext } from '../../runtime/actor/api.ts';
import { actorMetrics } from '../../runtime/metrics/actor.ts';
import { FEATURE_METRICS } from '../../runtime/metrics/catalogue.ts';
import type { BulkClient, ClusterRequestError } from './cluster.ts';
import type { PipelineStatus } from './status.ts';

export interface EsMetrics {
  /** The client, timing every `_bulk` request and counting the failed ones by HTTP status ("none": no answer). */
  measure(client: BulkClient, cluster: string): BulkClient;
  /** Counts what a pipeline wrote and dead-lettered since the last call (its status counters are cumulative). */
  update(status: PipelineStatus): void;
  close(): Promise<void>;
}

export const NO_ES_METRICS: EsMetrics = { measure: (client) => client, update: () => {}, close: async () => {} };

export function esMetrics(ctx: Pick<ActorContext, 'publish' | 'workerIndex'>): EsMetrics {
  const m = actorMetrics(ctx);
  const duration = m.histogram(FEATURE_METRICS.es.bulkDuration);
  const failures = m.counter(FEATURE_METRICS.es.bulkFailures);
  const indexed = m.counter(FEATURE_METRICS.es.documentsIndexed);
  const dead = m.counter(FEATURE_METRICS.es.deadLettered);
  const seen = new Map<string, { written: number; dead: number }>();
  return {
    measure: (client, cluster) => ({
      type: client.type,
      close: () => client.close(),
      async bulk(body, signal) {
        const t0 = performance.now();
        try {
          const res = await client.bulk(body, signal);
          duration.labels(cluster).observe((performance.now() - t0) / 1000);
          return res;
        } catch (err) {
          if (!signal.aborted) failures.labels(cluster, String((err as ClusterRequestError).status ?? 'none')).inc();
          throw err;
        }
      },
    }),
    update(s) {
      const written = s.counters.indexed + s.counters.updated + s.counters.deleted;
      const last = seen.get(s.name) ?? { written: 0, dead: 0 };
      if (written > last.written) indexed.labels(s.cluster, s.name).inc(written - last.written);
      if (s.counters.deadLettered > last.dead) dead.labels(s.cluster, s.name).inc(s.counters.deadLettered - last.dead);
      seen.set(s.name, { written: Math.max(written, last.written), dead: Math.max(s.counters.deadLettered, last.dead) });
    },
    close: () => m.close(),
  };
}
