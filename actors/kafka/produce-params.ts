// Params of kafka.produce, in its two forms (docs/kafka.md "Producing"):
// one record (`value`, `key`, ... at the top level) or many records of one
// topic (`messages: [{value, key?, partition?, headers?, timestamp?}, ...]`).
// This is the hot path, so it is checked by hand rather than with zod. Bad
// input fails with INVALID_PARAMS naming the field (`messages[3].value`).
import { toBytes, toNullableBytes, toNullablePayload } from './bytes.ts';
import type { KafkaHeader, OutgoingRecord } from './driver.ts';
import { kafkaError } from './errors.ts';
import { invalidParam, nonEmptyString, object } from './param-checks.ts';

/** `at` prefixes every field name: '' for the one-record form, 'messages[3].' for a record of the many form. */
function headersOf(v: unknown, at: string): KafkaHeader[] {
  const out: KafkaHeader[] = [];
  if (v === undefined || v === null) return out;
  if (Array.isArray(v)) {
    // PHP's json_encode([]) gives []; a list of {key, value} keeps order and repeated keys.
    v.forEach((h, i) => {
      const e = h as { key?: unknown; value?: unknown } | null;
      if (typeof e !== 'object' || e === null || typeof e.key !== 'string') throw invalidParam(`${at}headers[${i}]`, 'must be {"key": string, "value": ...}');
      out.push({ key: e.key, value: toBytes(e.value, `${at}headers[${i}].value`) });
    });
    return out;
  }
  if (typeof v !== 'object') throw invalidParam(`${at}headers`, 'must be an object of name → value, or a list of {key, value}');
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    if (Array.isArray(value)) value.forEach((x, i) => out.push({ key, value: toBytes(x, `${at}headers.${key}[${i}]`) }));
    else out.push({ key, value: toBytes(value, `${at}headers.${key}`) });
  }
  return out;
}

/** The record fields (value, key, partition, headers, timestamp) of `o`. */
function recordOf(o: Record<string, unknown>, topic: string, at: string): OutgoingRecord {
  if (!('value' in o)) throw invalidParam(`${at}value`, 'is required (a string, bytes, {"base64": ...}, or null for a tombstone)');
  const record: OutgoingRecord = {
    topic,
    key: toNullableBytes(o.key, `${at}key`),
    value: toNullablePayload(o.value, `${at}value`),
    headers: headersOf(o.headers, at),
  };
  if (o.partition !== undefined && o.partition !== null) {
    if (!Number.isInteger(o.partition) || (o.partition as number) < 0) throw invalidParam(`${at}partition`, 'must be a non-negative integer');
    record.partition = o.partition as number;
  }
  if (o.timestamp !== undefined && o.timestamp !== null) {
    if (!Number.isInteger(o.timestamp) || (o.timestamp as number) < 0) throw invalidParam(`${at}timestamp`, 'must be epoch milliseconds (a non-negative integer)');
    record.timestamp = o.timestamp as number;
  }
  return record;
}

function syncModeOf(v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean') throw invalidParam('sync_mode', 'must be a boolean');
  return v === true;
}

const PRODUCE_FIELDS = new Set(['connection', 'topic', 'value', 'key', 'partition', 'headers', 'timestamp', 'sync_mode']);

export interface ProduceParams {
  connection: string;
  sync: boolean;
  record: OutgoingRecord;
}

/** The one-record form. */
export function parseProduce(params: unknown): ProduceParams {
  const p = object(params);
  for (const k in p) if (!PRODUCE_FIELDS.has(k)) throw invalidParam(k, `is not a kafka.produce field (${[...PRODUCE_FIELDS].join(', ')}; or messages for many records)`);
  const topic = nonEmptyString(p.topic, 'topic');
  const record = recordOf(p, topic, '');
  return { connection: nonEmptyString(p.connection, 'connection'), sync: syncModeOf(p.sync_mode), record };
}

const MANY_FIELDS = new Set(['connection', 'topic', 'messages', 'sync_mode']);
const MESSAGE_FIELDS = new Set(['value', 'key', 'partition', 'headers', 'timestamp']);

interface ProduceManyParams {
  connection: string;
  topic: string;
  sync: boolean;
  records: OutgoingRecord[];
}

/** True when the params ask for the many-records form (they carry `messages`). */
export function isProduceMany(params: unknown): boolean {
  return typeof params === 'object' && params !== null && 'messages' in params;
}

/**
 * The many-records form. `maxMessages` is checked before any record is
 * parsed, so an oversized call costs no more than its decode.
 */
export function parseProduceMany(params: unknown, maxMessages: number): ProduceManyParams {
  const p = object(params);
  for (const k in p) {
    if (MANY_FIELDS.has(k)) continue;
    if (MESSAGE_FIELDS.has(k)) throw invalidParam(k, 'belongs inside each entry of messages when messages is given');
    throw invalidParam(k, `is not a kafka.produce field (${[...MANY_FIELDS].join(', ')} for many records)`);
  }
  const connection = nonEmptyString(p.connection, 'connection');
  const topic = nonEmptyString(p.topic, 'topic');
  const sync = syncModeOf(p.sync_mode);
  const messages = p.messages;
  if (!Array.isArray(messages)) throw invalidParam('messages', 'must be a list of records [{"value": ..., "key"?, "partition"?, "headers"?, "timestamp"?}]');
  if (messages.length === 0) throw invalidParam('messages', 'must hold at least one record');
  if (messages.length > maxMessages) {
    throw kafkaError('KAFKA_BATCH_TOO_LARGE', `params.messages holds ${messages.length} records; at most ${maxMessages} per call (kafka.producer.maxMessagesPerCall)`, {
      field: 'messages',
      count: messages.length,
      limit: maxMessages,
    });
  }
  const records: OutgoingRecord[] = new Array<OutgoingRecord>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    const at = `messages[${i}].`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalidParam(`messages[${i}]`, 'must be an object {"value": ..., "key"?, "partition"?, "headers"?, "timestamp"?}');
    for (const k in m) if (!MESSAGE_FIELDS.has(k)) throw invalidParam(`${at}${k}`, `is not a record field (${[...MESSAGE_FIELDS].join(', ')})`);
    records[i] = recordOf(m as Record<string, unknown>, topic, at);
  }
  return { connection, topic, sync, records };
}
