import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { metricsConfigSchema, rateLimitSchema, reloadConfigSchema, tracingConfigSchema } from './ops-schema.ts';
import { appApiConfigSchema } from '../app-api/config.ts';
import { kafkaConfigSchema } from '../../actors/kafka/config.ts';
import { modbusConfigSchema } from '../../actors/modbus/config.ts';
import { pipelinesSchema } from './pipelines.ts';

const port = z.number().int().min(0).max(65535);
const tcp = z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port });
const unix = z.strictObject({
  /** Relative paths are resolved against runDir. */
  path: z.string().min(1),
  /** File mode of the socket; 0o660 lets the owner's group (PHP-FPM) connect. */
  mode: z.number().int().min(0).max(0o777).default(0o660),
});
const listenerCommon = {
  enabled: z.boolean().default(true),
  maxConnections: z.number().int().positive().default(10_000),
  /** CIDR allow-list for TCP clients; empty means any (the default bind is loopback anyway). */
  allow: z.array(z.string()).default([]),
  /** Per-connection request rate limit (token bucket); unset means unlimited. */
  rateLimit: rateLimitSchema.optional(),
};
const MiB = 1024 * 1024;

export const listenersSchema = z.strictObject({
  ipc: z
    .strictObject({
      ...listenerCommon,
      unix: unix.optional(),
      tcp: tcp.optional(),
      maxFrameBytes: z.number().int().positive().max(0xffffffff).default(16 * MiB),
    })
    .prefault({ unix: { path: 'ipc.sock' }, tcp: { port: 6002 } }),
  goridge: z
    .strictObject({
      ...listenerCommon,
      tcp: tcp.optional(),
      unix: unix.optional(),
      maxFrameBytes: z.number().int().positive().max(0xffffffff).default(16 * MiB),
    })
    .prefault({ tcp: { port: 6001 } }),
  isp: z
    .strictObject({
      ...listenerCommon,
      tcp: tcp.optional(),
      maxLineBytes: z.number().int().positive().default(1 * MiB),
      heartbeatMs: z.number().int().positive().default(15_000),
      /** A gateway silent for this many heartbeat intervals is dropped. */
      missedHeartbeats: z.number().int().positive().default(3),
    })
    .prefault({ tcp: { port: 50052 } }),
  control: z.strictObject({ path: z.string().min(1).default('control.sock') }).prefault({}),
});

export const actorSpecSchema = z.strictObject({
  /** Module path (relative to the config file) whose default export is defineActor(...). Omit it to tune a built-in actor (sys). */
  module: z.string().min(1).optional(),
  /** worker: handlers run on worker threads (default). inline: on the main thread, no hop (only for trivially cheap handlers). */
  mode: z.enum(['worker', 'inline']).default('worker'),
  enabled: z.boolean().default(true),
  workers: z.number().int().min(1).max(64).default(1),
  /** Requests queued or running per actor before backpressure applies. */
  maxQueue: z.number().int().positive().default(65_536),
  options: z.unknown().optional(),
});

/** Actors the daemon always runs; they may be tuned under their name in `actors` without a module. */
export const BUILTIN_ACTOR_NAMES: readonly string[] = ['sys', 'kafka', 'modbus'];

export const configSchema = z.strictObject({
  /** Pid file, control socket and relative socket paths live here. */
  runDir: z.string().min(1).default(join(tmpdir(), 'outrigger')),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  shutdown: z.strictObject({ graceMs: z.number().int().positive().default(30_000) }).prefault({}),
  requests: z
    .strictObject({
      timeoutMs: z.number().int().positive().default(30_000),
      /** Per-method deadline overrides, e.g. { 'kafka.consume.receive': 60000 }. */
      methodTimeoutsMs: z.record(z.string(), z.number().int().positive()).default({}),
      maxInflightPerConnection: z.number().int().positive().default(1024),
      /** pause: stop reading a socket at a bound; reject: answer BUSY instead. */
      overflow: z.enum(['pause', 'reject']).default('pause'),
    })
    .prefault({}),
  workers: z
    .strictObject({
      heartbeatMs: z.number().int().positive().default(1000),
      /** A worker with no heartbeat for this long is considered hung and replaced. */
      hangTimeoutMs: z.number().int().positive().default(10_000),
      restartBackoffMs: z
        .strictObject({ initial: z.number().int().positive().default(100), max: z.number().int().positive().default(10_000) })
        .prefault({}),
    })
    .prefault({}),
  listeners: listenersSchema.prefault({}),
  /** Seed 000's App API (App.Init / App.Kafka / App.Shutdown over Goridge); see docs/app-api.md. */
  app: appApiConfigSchema.prefault({}),
  actors: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]*$/i), actorSpecSchema)
    .default({})
    .superRefine((actors, ctx) => {
      for (const [name, spec] of Object.entries(actors)) {
        if (!spec.module && !BUILTIN_ACTOR_NAMES.includes(name)) {
          ctx.addIssue({ code: 'custom', path: [name, 'module'], message: 'Invalid input: expected string (the path of an actor module)' });
        }
      }
    }),
  /** Kafka connections and driver (the built-in kafka actor's options); see docs/kafka.md. */
  kafka: kafkaConfigSchema.prefault({}),
  // operations layer (runtime/config/ops-schema.ts)
  metrics: metricsConfigSchema,
  tracing: tracingConfigSchema,
  reload: reloadConfigSchema,
  modbus: modbusConfigSchema.prefault({}),
  /** Canal → Kafka → Elasticsearch/OpenSearch sync jobs (actors/es, docs/es-pipeline.md). */
  pipelines: pipelinesSchema,
});

export type OutriggerConfigInput = z.input<typeof configSchema>;
export type OutriggerConfig = z.output<typeof configSchema>;
export type ActorSpec = z.output<typeof actorSpecSchema>;
