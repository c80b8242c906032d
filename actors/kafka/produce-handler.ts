// kafka.produce: the one-record form and the many-records form (one topic,
// `messages: [...]`). Both check every record against the connection's
// limits before anything is queued, so a refused call leaves nothing behind.
import type { CallContext } from '../../runtime/actor/api.ts';
import type { OutriggerError } from '../../runtime/errors/error.ts';
import type { Connection } from './connection.ts';
import { type OutgoingRecord, type ProducedRecord, recordSize } from './driver.ts';
import { kafkaError } from './errors.ts';
import { isProduceMany, parseProduce, parseProduceMany } from './produce-params.ts';
import { type ProduceManyReply, produceManyReply } from './produce-many-reply.ts';
import type { ConnectionRegistry } from './registry.ts';

const ACCEPTED = Object.freeze({ accepted: true });

/** The caller's W3C trace context travels with the record, unless the caller set one itself. */
function addTraceparent(record: OutgoingRecord, traceparent: Buffer | undefined): void {
  if (traceparent !== undefined && !record.headers.some((h) => h.key === 'traceparent')) {
    record.headers.push({ key: 'traceparent', value: traceparent });
  }
}

/** One header value per call, shared by its records (header values are never modified). */
function traceparentOf(call: CallContext): Buffer | undefined {
  return call.traceparent === undefined ? undefined : Buffer.from(call.traceparent);
}

function tooLarge(conn: Connection, record: OutgoingRecord, size: number, at: string, index?: number): OutriggerError {
  const limit = conn.config.max_message_bytes;
  return kafkaError('KAFKA_MESSAGE_TOO_LARGE', `${at}record of ${size} bytes exceeds max_message_bytes (${limit}) of connection '${conn.name}'`, {
    topic: record.topic,
    size,
    limit,
    ...(index === undefined ? {} : { field: `messages[${index}]`, index }),
  });
}

function produceOne(registry: ConnectionRegistry, params: unknown, call: CallContext): { accepted: true } | Promise<ProducedRecord> {
  const p = parseProduce(params);
  addTraceparent(p.record, traceparentOf(call));
  const conn = registry.get(p.connection);
  const size = recordSize(p.record);
  if (size > conn.config.max_message_bytes) throw tooLarge(conn, p.record, size, '');
  // An open circuit refuses at once, before a record is accepted that could not be delivered.
  conn.failFastIfOpen();
  if (p.sync) return conn.producer.produceSync(p.record, size);
  conn.producer.produceAsync(p.record, size);
  return ACCEPTED;
}

/**
 * Async: every record is accepted or none is (`{accepted: n}`). Sync: answers
 * once every record has an outcome — all acknowledged, or an error naming
 * which were (produce-many-reply.ts).
 */
function produceMany(registry: ConnectionRegistry, params: unknown, call: CallContext): { accepted: number } | Promise<ProduceManyReply> {
  const limits = registry.settings.producer;
  const p = parseProduceMany(params, limits.maxMessagesPerCall);
  const conn = registry.get(p.connection);
  const sizes = new Array<number>(p.records.length);
  const traceparent = traceparentOf(call);
  let total = 0;
  for (let i = 0; i < p.records.length; i++) {
    const record = p.records[i]!;
    addTraceparent(record, traceparent);
    const size = recordSize(record);
    if (size > conn.config.max_message_bytes) throw tooLarge(conn, record, size, `messages[${i}]: `, i);
    total += size;
    sizes[i] = size;
  }
  if (total > limits.maxBytesPerCall) {
    throw kafkaError('KAFKA_BATCH_TOO_LARGE', `params.messages holds ${total} bytes of records; at most ${limits.maxBytesPerCall} per call (kafka.producer.maxBytesPerCall)`, {
      field: 'messages',
      bytes: total,
      limit: limits.maxBytesPerCall,
    });
  }
  conn.failFastIfOpen();
  if (p.sync) return conn.producer.produceSyncMany(p.records, sizes).then((outcomes) => produceManyReply(p.topic, outcomes));
  conn.producer.produceAsyncMany(p.records, sizes);
  return { accepted: p.records.length };
}

export function produce(registry: ConnectionRegistry, params: unknown, call: CallContext): unknown {
  return isProduceMany(params) ? produceMany(registry, params, call) : produceOne(registry, params, call);
}
