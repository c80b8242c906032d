import { z } from 'zod';
import { OutriggerError } from '../errors/error.ts';

/*
 * Shapes of seed 000's App API (`App.Init`, `App.Kafka`), validated before
 * anything is forwarded. docs/app-api.md documents every field; keep the two
 * in step. Errors name the field (`configs.kafka.main.sasl.type: ...`) and
 * never echo a value, so a bad password cannot end up in a reply or a log.
 */

const nonEmpty = z.string().min(1, 'must be a non-empty string');

/** PHP encodes an empty associative array as `[]`, so an empty list counts as an empty object. */
const phpMap = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (Array.isArray(v) && v.length === 0 ? {} : v), schema);

const GO_DURATION = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go duration string ("10s", "1m30s", "250ms") or a whole number of milliseconds, to milliseconds. */
export const duration = z.unknown().transform((v, ctx): number => {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && GO_DURATION.test(v)) {
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    return Math.round(ms);
  }
  ctx.addIssue({ code: 'custom', message: 'must be a Go duration such as "10s" or "500ms", or a number of milliseconds' });
  return z.NEVER;
});

const BROKER = /^(\[[0-9a-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/i;
const broker = z.string().refine((s) => {
  const m = BROKER.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, 'must be "host:port"');

export const kafkaConnectionSchema = z.strictObject({
  brokers: z.array(broker).min(1, 'must list at least one broker'),
  auto_create_topics_enable: z.boolean().default(false),
  tls: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Client certificate and key (PEM file paths) for mutual TLS; both or neither. */
      cert: nonEmpty.optional(),
      key: nonEmpty.optional(),
      /** CA bundle (PEM file path) to verify the brokers; the system CAs when absent. */
      root_ca: nonEmpty.optional(),
    })
    .refine((t) => (t.cert === undefined) === (t.key === undefined), {
      message: 'cert and key must be given together',
      path: ['cert'],
    })
    .optional(),
  sasl: z
    .strictObject({
      type: z.enum(['plain', 'scram_sha_256', 'scram_sha_512']),
      username: nonEmpty,
      password: z.string(),
    })
    .optional(),
  ping: z.strictObject({ timeout: duration }).optional(),
});
export type KafkaConnection = z.output<typeof kafkaConnectionSchema>;

/** Known application fields are type-checked; others (the app's own settings) are kept as given. */
const applicationSchema = z.looseObject({
  name: z.string().optional(),
  module: z.string().optional(),
  env: z.string().optional(),
  debug: z.boolean().optional(),
  runtime: z.string().optional(),
});

const CONNECTION_NAME = /^[A-Za-z0-9._-]{1,128}$/;

export const appConfigsSchema = z.looseObject({
  application: applicationSchema.optional(),
  kafka: phpMap(
    z.record(z.string(), kafkaConnectionSchema).superRefine((conns, ctx) => {
      for (const name of Object.keys(conns)) {
        if (!CONNECTION_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'connection names are 1-128 of A-Z a-z 0-9 . _ -' });
      }
    }),
  ).default({}),
});
export type AppConfigs = z.output<typeof appConfigsSchema>;

const headers = phpMap(z.record(z.string(), z.string('header values must be strings')));

export const produceMessageSchema = z.strictObject({
  connection: nonEmpty,
  topic: nonEmpty,
  value: z.string(),
  key: z.string().nullable().optional(),
  headers: headers.default({}),
  sync_mode: z.boolean().default(false),
});

export const consumeInitMessageSchema = z.strictObject({
  connection: nonEmpty,
  group_options: phpMap(z.strictObject({
    group_id: nonEmpty,
    session_timeout: duration.optional(),
    rebalance_timeout: duration.optional(),
    heartbeat_interval: duration.optional(),
    instance_id: nonEmpty.optional(),
  })),
  consume_options: phpMap(z.strictObject({
    topics: z.array(nonEmpty).min(1, 'must list at least one topic'),
    /** Where a group without committed offsets starts: the oldest record (default, as franz-go) or new ones only. */
    offset: z
      .enum(['at_start', 'at_end', 'earliest', 'latest'])
      .transform((o) => (o === 'earliest' ? 'at_start' : o === 'latest' ? 'at_end' : o))
      .default('at_start'),
    /** Longest wait of consume_receive for the first record. */
    max_wait: duration.optional(),
    /** Commit what consume_receive returns without waiting for consume_ack. */
    auto_commit: z.boolean().default(false),
  })),
});

export const consumeReceiveMessageSchema = z.strictObject({
  connection: nonEmpty,
  topic: nonEmpty,
  size: z.number().int().min(1, 'must be >= 1').max(10_000, 'must be <= 10000').default(1),
});

export const consumeAckMessageSchema = z.strictObject({ connection: nonEmpty, topic: nonEmpty });
export const consumeCloseMessageSchema = z.strictObject({ connection: nonEmpty });

export const KAFKA_ACTIONS = {
  produce: produceMessageSchema,
  consume_init: consumeInitMessageSchema,
  consume_receive: consumeReceiveMessageSchema,
  consume_ack: consumeAckMessageSchema,
  consume_close: consumeCloseMessageSchema,
} as const;
export type KafkaAction = keyof typeof KAFKA_ACTIONS;

export type KafkaPayload = {
  [A in KafkaAction]: { action: A; message: z.output<(typeof KAFKA_ACTIONS)[A]> };
}[KafkaAction];

function invalid(issues: readonly z.core.$ZodIssue[], root: string): OutriggerError {
  const fields = issues.map((i) => [root, ...i.path.map(String)].join('.'));
  const message = issues.map((i, n) => `${fields[n]}: ${i.message}`).join('; ');
  return new OutriggerError('INVALID_PARAMS', message, { fields });
}

export function parseAppConfigs(value: unknown): AppConfigs {
  if (Array.isArray(value) && value.length === 0) return appConfigsSchema.parse({}); // PHP's empty array
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OutriggerError('INVALID_PARAMS', 'configs: must be an object with "application" and "kafka"', { fields: ['configs'] });
  }
  const r = appConfigsSchema.safeParse(value);
  if (!r.success) throw invalid(r.error.issues, 'configs');
  return r.data;
}

/** `{action, <action>_message}` as App.Kafka takes it; the arguments sit under a field named after the action. */
export function parseKafkaPayload(value: unknown): KafkaPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OutriggerError('INVALID_PARAMS', 'payload: must be an object {"action": ..., "<action>_message": {...}}', {
      fields: ['payload'],
    });
  }
  const v = value as Record<string, unknown>;
  const action = v.action;
  if (typeof action !== 'string' || !Object.hasOwn(KAFKA_ACTIONS, action)) {
    throw new OutriggerError('INVALID_PARAMS', `payload.action: must be one of ${Object.keys(KAFKA_ACTIONS).join(', ')}`, {
      fields: ['payload.action'],
    });
  }
  const field = `${action}_message`;
  const extra = Object.keys(v).filter((k) => k !== 'action' && k !== field);
  if (extra.length > 0) {
    throw new OutriggerError('INVALID_PARAMS', `payload.${extra[0]}: unknown field for action ${action} (its arguments go in "${field}")`, {
      fields: extra.map((k) => `payload.${k}`),
    });
  }
  if (v[field] === undefined) {
    throw new OutriggerError('INVALID_PARAMS', `payload.${field}: required for action ${action}`, { fields: [`payload.${field}`] });
  }
  const r = KAFKA_ACTIONS[action as KafkaAction].safeParse(v[field]);
  if (!r.success) throw invalid(r.error.issues, `payload.${field}`);
  return { action, message: r.data } as KafkaPayload;
}

/** The configs with secrets replaced, for the log line App.Init writes. */
export function describeConfigs(c: AppConfigs): Record<string, unknown> {
  return {
    application: c.application ? { name: c.application.name, module: c.application.module, env: c.application.env } : undefined,
    kafka: Object.fromEntries(
      Object.entries(c.kafka).map(([name, k]) => [
        name,
        {
          brokers: k.brokers,
          tls: k.tls?.enabled ?? false,
          mtls: k.tls?.cert !== undefined,
          sasl: k.sasl?.type ?? 'none',
          auto_create_topics: k.auto_create_topics_enable,
        },
      ]),
    ),
  };
}
