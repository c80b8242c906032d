import { z } from 'zod';
import { metricsConfigSchema, rateLimitSchema, reloadConfigSchema, tracingConfigSchema } from './ops-schema.ts';
import { defaultRunDir } from './run-dir.ts';
import { POLICY_CLASSES } from '../router/policy.ts';

const MiB = 1024 * 1024;
/** Node's timers take at most 2^31-1 ms; anything longer fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const port = z.number().int().min(0).max(65535);
export const tcpSchema = z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port });
export const unixSchema = z.strictObject({
  /** Relative paths are resolved against runDir. */
  path: z.string().min(1),
  /** File mode of the socket; 0o660 lets the owner's group (PHP-FPM) connect. */
  mode: z.number().int().min(0).max(0o777).default(0o660),
});

/** Fields every listener has: who may connect, and the bounds of the shared session layer. */
export const listenerCommon = {
  enabled: z.boolean().default(true),
  maxConnections: z.number().int().positive().default(1024),
  /** CIDR allow-list for TCP clients; empty means any (the default bind is loopback anyway). */
  allow: z.array(z.string()).default([]),
  /** Per-connection request rate limit (token bucket); unset means unlimited. */
  rateLimit: rateLimitSchema.optional(),
  /** A frame (or line) that started arriving must be complete within this time, or the connection is closed. */
  readTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(10_000),
  /** A connection whose client takes none of its queued replies for this long is closed (it does not read). */
  writeTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(30_000),
  /** A connection with nothing in flight and nothing read for this long is closed; 0 keeps it forever. */
  idleTimeoutMs: z.number().int().min(0).max(MAX_TIMER_MS).default(300_000),
  /** Malformed frames or requests in a row after which the connection is closed. */
  maxConsecutiveErrors: z.number().int().positive().default(16),
};

/** What `listeners.ipc` and `listeners.goridge` are when the config leaves them out (the environment overrides start from these too). */
export const IPC_LISTENER_DEFAULT = { unix: { path: 'ipc.sock' }, tcp: { port: 6002 } };
export const GORIDGE_LISTENER_DEFAULT = { tcp: { port: 6001 } };

export const coreListenersShape = {
  ipc: z
    .strictObject({
      ...listenerCommon,
      unix: unixSchema.optional(),
      tcp: tcpSchema.optional(),
      maxFrameBytes: z.number().int().positive().max(0xffffffff).default(16 * MiB),
    })
    .prefault(IPC_LISTENER_DEFAULT),
  goridge: z
    .strictObject({
      ...listenerCommon,
      tcp: tcpSchema.optional(),
      unix: unixSchema.optional(),
      maxFrameBytes: z.number().int().positive().max(0xffffffff).default(16 * MiB),
    })
    .prefault(GORIDGE_LISTENER_DEFAULT),
  control: z.strictObject({ path: z.string().min(1).default('control.sock') }).prefault({}),
};

export const actorSpecSchema = z.strictObject({
  /** Module path (relative to the config file) whose default export is defineActor(...). Omit it to tune a feature's actor (sys, kafka, modbus); give it to run another module in that actor's place. */
  module: z.string().min(1).optional(),
  /** worker: handlers run on worker threads (default). inline: on the main thread, no hop (only for trivially cheap handlers). */
  mode: z.enum(['worker', 'inline']).default('worker'),
  enabled: z.boolean().default(true),
  workers: z.number().int().min(1).max(64).optional(),
  /** eager: workers start with the daemon. lazy: on the actor's first request (no thread while unused). Default: eager, or what the feature chooses for its actor. */
  start: z.enum(['eager', 'lazy']).optional(),
  /** Requests queued or running per actor before backpressure applies. */
  maxQueue: z.number().int().positive().optional(),
  options: z.unknown().optional(),
});

const policyList = z.array(z.enum(POLICY_CLASSES));

export const securitySchema = z
  .strictObject({
    /** Shared token TCP clients present to get the `token` grants (env OUTRIGGER_TOKEN). Never logged. */
    token: z.string().min(16).optional(),
    /** File holding the token (first line); must be a regular file not readable by others. Relative to the config file. */
    tokenFile: z.string().min(1).optional(),
    grants: z
      .strictObject({
        /** Connections on a unix socket: its file permissions let them in. */
        unix: policyList.default(['data', 'configure', 'admin']),
        /** TCP connections before the token; default: data, or nothing but presenting the token when a token is set. */
        tcp: policyList.optional(),
        /** TCP connections that presented the token. */
        token: policyList.default(['data', 'configure']),
      })
      .prefault({}),
  })
  .refine((s) => !(s.token && s.tokenFile), { message: 'set token or tokenFile, not both' })
  .prefault({});

/**
 * The core's config: what the daemon needs whatever features it runs.
 * Features add their own sections (runtime/config/compose.ts).
 */
export function coreConfigShape(featureActors: readonly string[]) {
  return {
    /** Pid file, lock, control socket and relative socket paths live here; must be ours and not writable by others. */
    runDir: z.string().min(1).default(defaultRunDir()),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    shutdown: z.strictObject({ graceMs: z.number().int().positive().default(30_000) }).prefault({}),
    requests: z
      .strictObject({
        timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(30_000),
        /** Per-method deadline overrides, e.g. { 'kafka.consume.receive': 60000 }. */
        methodTimeoutsMs: z.record(z.string(), z.number().int().positive().max(MAX_TIMER_MS)).default({}),
        /** A client's own `timeout` is clamped to this. */
        maxTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(600_000),
        maxInflightPerConnection: z.number().int().positive().default(1024),
        /** Bytes of requests in flight on one connection at which reading pauses. */
        maxInflightBytesPerConnection: z.number().int().positive().default(16 * MiB),
        /** A result larger than this, encoded, is answered REPLY_TOO_LARGE instead (the clients' default frame cap). */
        maxReplyBytes: z.number().int().positive().default(16 * MiB),
        /** pause: stop reading a socket at a bound; reject: answer BUSY instead. */
        overflow: z.enum(['pause', 'reject']).default('pause'),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** Connections open across all listeners. */
        maxConnections: z.number().int().positive().default(4096),
        /** Bytes held for frames still arriving, across all connections; reading pauses above it. */
        maxBufferedBytes: z.number().int().positive().default(128 * MiB),
        /** Bytes of requests in flight and of replies clients have not read, across all connections; reading pauses above it. */
        maxInflightBytes: z.number().int().positive().default(128 * MiB),
      })
      .prefault({}),
    security: securitySchema,
    workers: z
      .strictObject({
        heartbeatMs: z.number().int().positive().default(1000),
        /** A worker with no heartbeat for this long is considered hung and replaced. */
        hangTimeoutMs: z.number().int().positive().default(10_000),
        restartBackoffMs: z
          .strictObject({ initial: z.number().int().positive().default(100), max: z.number().int().positive().default(10_000) })
          .prefault({}),
        /**
         * Polling before sleeping on the worker hop, microseconds (0: never poll):
         * docs/actors.md, "The worker hop". Polls stop by themselves while they don't pay.
         */
        spin: z
          .strictObject({
            replyMicros: z.number().int().min(0).max(1000).default(50),
            requestMicros: z.number().int().min(0).max(1000).default(0),
          })
          .prefault({}),
      })
      .prefault({}),
    actors: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]*$/i), actorSpecSchema)
      .default({})
      .superRefine((actors, ctx) => {
        for (const [name, spec] of Object.entries(actors)) {
          if (!spec.module && !featureActors.includes(name)) {
            ctx.addIssue({ code: 'custom', path: [name, 'module'], message: 'Invalid input: expected string (the path of an actor module)' });
          }
        }
      }),
    /** Feature modules (default export defineFeature(...)), relative to the config file. */
    plugins: z.array(z.string().min(1)).default([]),
    metrics: metricsConfigSchema,
    tracing: tracingConfigSchema,
    reload: reloadConfigSchema,
  };
}

/** The core's schema alone (no feature sections): what the core's own types are read from. */
export const coreConfigSchema = z.strictObject({ ...coreConfigShape([]), listeners: z.strictObject(coreListenersShape).prefault({}) });

export type CoreConfigInput = z.input<typeof coreConfigSchema>;
export type CoreConfig = z.output<typeof coreConfigSchema>;
export type ActorSpec = z.output<typeof actorSpecSchema>;
export type ListenerCommon = z.output<z.ZodObject<typeof listenerCommon>>;
