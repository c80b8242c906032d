import { z } from 'zod';
import { goDurationMs } from '../config.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

/*
 * Shapes of the Hi Framework sidecar's App API (`App.Init`, `App.Kafka`), validated before
 * anything is forwarded. docs/app-api.md documents every field; keep the two
 * in step. Errors name the field (`configs.kafka.main.sasl.type: ...`) and
 * never echo a value, so a bad password cannot end up in a reply or a log.
 */

const nonEmpty = z.string().min(1, 'must be a non-empty string');

/** PHP encodes an empty associative array as `[]`, so an empty list counts as an empty object. */
const phpMap = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (Array.isArray(v) && v.length === 0 ? {} : v), schema);

/** Go duration string ("10s", "1m30s", "250ms") or a whole number of milliseconds, to milliseconds. */
export const duration = z.unknown().transform((v, ctx): number => {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const ms = typeof v === 'string' ? goDurationMs(v) : null;
  if (ms !== null) return ms;
  ctx.addIssue({ code: 'custom', message: 'must be a Go duration such as "10s" or "500ms", or a number of milliseconds' });
  return z.NEVER;
});

const BROKER = /^([^\s:/]+):(\d{1,5})$/;
const broker = z.string().refine((s) => {
  const m = BROKER.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, 'must be "host:port"');

/**
 * The App API's own connection fields are checked here, with App.Init's field names.
 * Other fields (Outrigger's extensions: client_id, request_timeout, retry,
 * circuit, ...) pass through to kafka.connections.set, whose strict schema
 * refuses unknown ones (actors/kafka/config.ts, docs/kafka.md).
 */
export const kafkaConnectionSchema = z.looseObject({
  brokers: z.array(broker).min(1, 'must list at least one broker'),
  auto_create_topics_enable: z.boolean().optional(),
  tls: z
    .looseObject({
      enabled: z.boolean().optional(),
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

/**
 * `produce_messages` (an Outrigger extension): many records of one topic in one call. Only the envelope is checked
 * here; the records go on as they are and the Kafka actor checks them in its worker (kafka.produce's multi-record
 * form, docs/kafka.md), so a large batch costs the main thread its decode and no per-record validation. Errors
 * still name the record (`payload.produce_messages.messages[3].value`).
 */
export const produceMessagesSchema = z.strictObject({
  connection: nonEmpty,
  topic: nonEmpty,
  // Not z.array(z.unknown()): that walks and copies every record on the main thread.
  messages: z
    .custom<unknown[]>((v) => Array.isArray(v), 'must be a list of records')
    .refine((v) => v.length > 0, 'must hold at least one record'),
  sync_mode: z.boolean().default(false),
});

const OFFSET_START = ['atstart', 'start', 'earliest', 'beginning', 'oldest'];
const OFFSET_END = ['atend', 'end', 'latest', 'newest'];
/** The PHP client's ConsumeOffsetType::AtStart / AtEnd, in any of these spellings (case and _ - ignored). */
const offset = z.string().refine((o) => {
  const v = o.toLowerCase().replace(/[^a-z]/g, '');
  return OFFSET_START.includes(v) || OFFSET_END.includes(v);
}, 'must be AtStart or AtEnd (also at_start, earliest, at_end, latest)');

const positiveInt = z.number().int().min(1, 'must be >= 1');

export const consumeInitMessageSchema = z.strictObject({
  connection: nonEmpty,
  group_options: phpMap(
    z.strictObject({
      group_id: nonEmpty,
      session_timeout: duration.optional(),
      rebalance_timeout: duration.optional(),
      heartbeat_interval: duration.optional(),
      instance_id: nonEmpty.optional(),
    }),
  ),
  consume_options: phpMap(
    z.strictObject({
      topics: z.array(nonEmpty).min(1, 'must list at least one topic'),
      /** Where a partition without a committed offset starts; the Kafka actor's default is AtEnd. */
      offset: offset.optional(),
      /** Records buffered ahead per topic. */
      fetch_size: positiveInt.optional(),
      /** Records of a topic received and not yet acked, at most; 0 = no limit. */
      concurrency: z.number().int().min(0, 'must be >= 0').optional(),
      max_wait: duration.optional(),
      max_bytes_per_partition: positiveInt.optional(),
    }),
  ),
});

export const consumeReceiveMessageSchema = z.strictObject({
  connection: nonEmpty,
  topic: nonEmpty,
  size: z.number().int().min(1, 'must be >= 1').max(100_000, 'must be <= 100000').default(1),
  /** How long to wait when no record is buffered (default 500 ms). */
  max_wait: duration.optional(),
});

const ackedRecord = z.strictObject({ partition: z.number().int().min(0), offset: z.number().int().min(0) });

export const consumeAckMessageSchema = z.strictObject({
  connection: nonEmpty,
  topic: nonEmpty,
  /** Acknowledge only these; without it every record received so far on the topic. */
  records: z.array(ackedRecord).optional(),
});

export const consumeCloseMessageSchema = z.strictObject({
  connection: nonEmpty,
  /** Close only this topic's consumer; without it every consumer of the connection. */
  topic: nonEmpty.optional(),
});

export const KAFKA_ACTIONS = {
  produce: produceMessageSchema,
  consume_init: consumeInitMessageSchema,
  consume_receive: consumeReceiveMessageSchema,
  consume_ack: consumeAckMessageSchema,
  consume_close: consumeCloseMessageSchema,
} as const;
export type KafkaAction = keyof typeof KAFKA_ACTIONS;

/** Where an action's arguments sit; `produce` also takes `produce_messages` for many records. */
export type KafkaPayload =
  | {
      [A in KafkaAction]: { action: A; field: `${A}_message`; message: z.output<(typeof KAFKA_ACTIONS)[A]> };
    }[KafkaAction]
  | { action: 'produce'; field: 'produce_messages'; message: z.output<typeof produceMessagesSchema> };

function argumentFields(action: KafkaAction): string[] {
  return action === 'produce' ? ['produce_message', 'produce_messages'] : [`${action}_message`];
}

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
  const allowed = argumentFields(action as KafkaAction);
  const extra = Object.keys(v).filter((k) => k !== 'action' && !allowed.includes(k));
  if (extra.length > 0) {
    throw new OutriggerError('INVALID_PARAMS', `payload.${extra[0]}: unknown field for action ${action} (its arguments go in "${allowed.join('" or "')}")`, {
      fields: extra.map((k) => `payload.${k}`),
    });
  }
  const given = allowed.filter((k) => v[k] !== undefined);
  if (given.length !== 1) {
    const problem = given.length === 0 ? `required for action ${action}` : `give one of ${allowed.join(', ')}, not both`;
    const field = given[1] ?? allowed[0]!;
    throw new OutriggerError('INVALID_PARAMS', `payload.${field}: ${problem}`, { fields: [`payload.${field}`] });
  }
  const field = given[0]!;
  const schema = field === 'produce_messages' ? produceMessagesSchema : KAFKA_ACTIONS[action as KafkaAction];
  const r = schema.safeParse(v[field]);
  if (!r.success) throw invalid(r.error.issues, `payload.${field}`);
  return { action, field, message: r.data } as KafkaPayload;
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
          tls: k.tls ? k.tls.enabled !== false : false,
          mtls: k.tls?.cert !== undefined,
          sasl: k.sasl?.type ?? 'none',
          auto_create_topics: k.auto_create_topics_enable ?? false,
        },
      ]),
    ),
  };
}
