import { defineActor } from '../../runtime/actor/api.ts';
import { pipelinesSchema, type PipelineConfig } from './config.ts';
import { OutriggerError } from '../../runtime/errors/error.ts';
import type { Pipeline } from './pipeline.ts';
import { esMetrics } from './metrics.ts';
import type { PipelineStatus } from './status.ts';

export interface EsActorOptions {
  pipelines: Record<string, PipelineConfig>;
  /** Directory handler module paths and TLS files are resolved against (the config file's). */
  baseDir: string;
}

/** How often the worker pushes pipeline status to the main thread (sys.stats, `outrigger status`). */
export const STATUS_TOPIC = 'es.status';
const PUBLISH_MS = 1000;

/**
 * The ES pipelines actor: runs every enabled pipeline of the `pipelines`
 * config section in its worker thread (started by the es feature, not
 * by requests). `es.status` answers with each pipeline's state, lag, docs/s,
 * in-flight bulks, dead-letter count and last error; `{ "pipeline": name }`
 * narrows it to one.
 */
// Named, then exported: TypeScript 5.9 leaves the .ts specifier of a dynamic
// import inside an `export default <expression>` unrewritten in the build.
const actor = defineActor({
  name: 'es',
  kind: 'pooled',
  methods: ['status'],
  policy: { status: 'admin' },
  parseOptions: (raw): EsActorOptions => {
    const o = (raw ?? {}) as { pipelines?: unknown; baseDir?: unknown };
    if (typeof o.baseDir !== 'string') throw new Error('baseDir must be a string');
    return { pipelines: pipelinesSchema.parse(o.pipelines ?? {}), baseDir: o.baseDir };
  },
  create: async (ctx) => {
    const { Pipeline } = await import('./pipeline.ts');
    const metrics = esMetrics(ctx);
    const pipelines: Pipeline[] = [];
    try {
      for (const [name, cfg] of Object.entries(ctx.options.pipelines)) {
        if (!cfg.enabled) continue;
        const p = new Pipeline(name, cfg, ctx.options.baseDir, ctx.log.child({ pipeline: name }), metrics);
        await p.start();
        pipelines.push(p);
      }
    } catch (err) {
      await Promise.allSettled(pipelines.map((p) => p.stop()));
      throw err;
    }
    const snapshot = (): PipelineStatus[] => {
      const list = pipelines.map((p) => p.status());
      for (const s of list) metrics.update(s);
      return list;
    };
    const timer = setInterval(() => ctx.publish(STATUS_TOPIC, snapshot()), PUBLISH_MS);
    ctx.publish(STATUS_TOPIC, snapshot());
    return {
      handlers: {
        status: (params) => {
          const name = (params as { pipeline?: unknown } | null)?.pipeline;
          if (name === undefined || name === null) return { pipelines: snapshot() };
          const p = pipelines.find((x) => x.name === name);
          if (!p) throw new OutriggerError('ES_PIPELINE_UNKNOWN', `no pipeline named '${String(name)}'`, { known: pipelines.map((x) => x.name) });
          return { pipelines: [p.status()] };
        },
      },
      close: async () => {
        clearInterval(timer);
        const reports = await Promise.all(pipelines.map((p) => p.stop()));
        ctx.publish(STATUS_TOPIC, snapshot());
        await metrics.close();
        ctx.log.info({ reports }, 'es pipelines stopped');
      },
    };
  },
});

export default actor;
