// Params of the kafka.* methods (shapes follow the App API's PHP BridgeInterface;
// docs/kafka.md documents them). Bad input fails with INVALID_PARAMS naming
// the field. kafka.produce, the hot path, is parsed by hand in produce-params.ts.
import { z } from 'zod';
import { appConnectionOf } from './app-api/kafka-action.ts';
import { OutriggerError } from '../../runtime/errors/error.ts';
import type { BinaryEncoding } from './bytes.ts';
import { connectionNameSchema, duration } from './config.ts';
import { nonEmptyString, object } from './param-checks.ts';

/** The params member that names a kafka.* call's connection. */
export function connectionField(method: string): 'name' | 'connection' | '' {
  if (method === 'app') return ''; // the connection sits inside the App payload
  return method === 'connections.set' ? 'name' : 'connection';
}

/** The pin key of every kafka.* call: all work for one connection runs in one worker. */
export function connectionOf(method: string, params: unknown): string {
  if (method === 'app') return appConnectionOf(params);
  const field = connectionField(method);
  return nonEmptyString(object(params)[field], field);
}

function parseWith<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.');
  throw new OutriggerError('INVALID_PARAMS', `params${field ? `.${field}` : ''}: ${issue.message}`, { field });
}

const offsetType = z
  .string()
  .transform((s, ctx) => {
    const v = s.toLowerCase().replace(/[^a-z]/g, '');
    if (['atstart', 'start', 'earliest', 'beginning', 'oldest'].includes(v)) return 'start' as const;
    if (['atend', 'end', 'latest', 'newest'].includes(v)) return 'end' as const;
    ctx.addIssue({ code: 'custom', message: 'expected AtStart or AtEnd' });
    return z.NEVER;
  });

const initSchema = z.strictObject({
  connection: connectionNameSchema,
  group_options: z.strictObject({
    group_id: z.string().min(1),
    session_timeout: duration.optional(),
    rebalance_timeout: duration.optional(),
    heartbeat_interval: duration.optional(),
    /** Accepted because the App API's group options carry it; kafkajs has no static membership (docs/kafka.md). */
    instance_id: z.string().min(1).optional(),
  }),
  consume_options: z.strictObject({
    topics: z.array(z.string().min(1)).min(1),
    /** Where a partition without a committed offset starts (the PHP client's ConsumeOffsetType::AtStart / AtEnd). Default AtEnd. */
    offset: offsetType.optional(),
    /** Records buffered ahead per topic; partitions pause when that many are buffered or unacked. */
    fetch_size: z.number().int().positive().max(1_000_000).optional(),
    /** At most this many records of a topic received and not yet acked; 0 = no limit. */
    concurrency: z.number().int().min(0).max(1_000_000).optional(),
    max_wait: duration.optional(),
    max_bytes_per_partition: z.number().int().positive().optional(),
    /** Received and not acknowledged for this long: the record timed out (0 = never). */
    ack_timeout: duration.optional(),
    /** What a timed-out record does: redeliver (default) or fail the consumer with KAFKA_ACK_TIMEOUT. */
    on_ack_timeout: z.enum(['redeliver', 'fail']).optional(),
  }),
});
export type InitParams = z.output<typeof initSchema>;
export const parseInit = (params: unknown): InitParams => parseWith(initSchema, params);

const encoding = z.enum(['auto', 'base64', 'bytes']).default('auto');

const receiveSchema = z.strictObject({
  connection: connectionNameSchema,
  topic: z.string().min(1),
  size: z.number().int().positive().max(100_000).default(1),
  /** How long to wait when nothing is buffered. */
  max_wait_ms: z.number().int().min(0).max(600_000).default(500),
  /** Record bytes this receive may hand out (kafka.consumer.maxBytesPerReceive still applies). */
  max_bytes: z.number().int().positive().optional(),
  encoding,
});
export type ReceiveParams = z.output<typeof receiveSchema> & { encoding: BinaryEncoding };
export const parseReceive = (params: unknown): ReceiveParams => parseWith(receiveSchema, params);

const ackSchema = z.strictObject({
  connection: connectionNameSchema,
  topic: z.string().min(1),
  /** The records to acknowledge; without it every record received so far on the topic is acknowledged. */
  records: z.array(z.strictObject({ partition: z.number().int().min(0), offset: z.number().int().min(0) })).optional(),
});
export type AckParams = z.output<typeof ackSchema>;
export const parseAck = (params: unknown): AckParams => parseWith(ackSchema, params);

const closeSchema = z.strictObject({
  connection: connectionNameSchema,
  /** Close only the consumer of this topic; without it every consumer on the connection. */
  topic: z.string().min(1).optional(),
});
export const parseClose = (params: unknown): z.output<typeof closeSchema> => parseWith(closeSchema, params);

const setSchema = z.strictObject({ name: connectionNameSchema, config: z.unknown() });
export const parseSet = (params: unknown): z.output<typeof setSchema> => parseWith(setSchema, params);

const lostSchema = z.strictObject({ connection: connectionNameSchema, topics: z.array(z.string().min(1)).max(10_000) });
export const parseLost = (params: unknown): z.output<typeof lostSchema> => parseWith(lostSchema, params);

const statsSchema = z.strictObject({ connection: connectionNameSchema });
export const parseStats = (params: unknown): z.output<typeof statsSchema> => parseWith(statsSchema, params);
