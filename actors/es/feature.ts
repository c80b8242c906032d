import { defineFeature, moduleBeside, type StatusTable } from '../../runtime/feature/api.ts';
import { pipelinesSchema } from './config.ts';
import { STATUS_TOPIC, type EsActorOptions } from './index.ts';
import { statusTable, type PipelineStatus } from './status.ts';

/**
 * Canal binlog → Kafka → Elasticsearch/OpenSearch sync jobs, configured in
 * `pipelines`. When any is enabled, the `es` actor runs them all in one
 * worker; its latest status snapshot is the `pipelines` status section.
 */
const esSections = { pipelines: pipelinesSchema };
export type EsSections = typeof esSections;

export const esFeature = defineFeature({
  name: 'es',
  sections: esSections,
  actors: [
    {
      name: 'es',
      module: moduleBeside(import.meta.url, 'index'),
      enabled: (c) => Object.values(c.pipelines).some((p) => p.enabled),
      options: (c, baseDir): EsActorOptions => ({ pipelines: c.pipelines, baseDir }),
      maxQueue: 1024,
    },
  ],
  setup(ctx) {
    const { pipelines } = ctx.config;
    if (!Object.values(pipelines).some((p) => p.enabled)) return;
    for (const [name, p] of Object.entries(pipelines)) {
      if (p.enabled && p.stopTimeoutMs >= ctx.config.shutdown.graceMs) {
        ctx.log.warn(
          { pipeline: name, stopTimeoutMs: p.stopTimeoutMs, graceMs: ctx.config.shutdown.graceMs },
          'pipeline stopTimeoutMs is not below shutdown.graceMs: the daemon may end the worker before the pipeline has drained and committed',
        );
      }
    }
    let latest: PipelineStatus[] = [];
    ctx.events.on('publish', (actor, topic, data) => {
      if (actor === 'es' && topic === STATUS_TOPIC) latest = data as PipelineStatus[];
    });
    ctx.status('pipelines', (): StatusTable => ({ title: 'ES pipelines (Canal → Kafka → cluster)', table: statusTable(latest), data: latest }));
  },
});
