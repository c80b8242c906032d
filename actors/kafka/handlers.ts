// kafka.* method handlers: parse params, find the connection, call into it,
// shape the answer. Exact shapes are documented in docs/kafka.md.
import type { CallContext, Handler } from '../../runtime/actor/api.ts';
import { type BinaryEncoding, type EncodedBytes, fromBytes } from './bytes.ts';
import type { IncomingRecord } from './driver.ts';
import { CONSUMER_TOPIC } from './events.ts';
import { parseAck, parseClose, parseInit, parseLost, parseReceive, parseSet, parseStats } from './params.ts';
import { produce } from './produce-handler.ts';
import { appKafkaHandler } from './app-api/kafka-action.ts';
import type { ConnectionRegistry } from './registry.ts';

export const KAFKA_METHODS = [
  'produce',
  'consume.init',
  'consume.receive',
  'consume.ack',
  'consume.close',
  'connections.set',
  'connections.has',
  'stats',
  'app',
  'consume.lost',
] as const;
export type KafkaMethod = (typeof KAFKA_METHODS)[number];

export interface WireRecord {
  topic: string;
  partition: number;
  offset: number;
  key: EncodedBytes | null;
  value: EncodedBytes | null;
  headers: Record<string, EncodedBytes | EncodedBytes[]>;
  timestamp: number;
}

export function toWire(r: IncomingRecord, encoding: BinaryEncoding): WireRecord {
  const headers: Record<string, EncodedBytes | EncodedBytes[]> = {};
  for (const h of r.headers) {
    const v = fromBytes(h.value, encoding)!;
    const prev = headers[h.key];
    headers[h.key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: fromBytes(r.key, encoding),
    value: fromBytes(r.value, encoding),
    headers,
    timestamp: r.timestamp,
  };
}

/** Receive waits end this long before the request deadline, so the answer still makes it back. */
const DEADLINE_MARGIN_MS = 50;

/** Who may call what (docs/security.md): changing connections is configure-class, reading them admin. */
export const KAFKA_POLICY = { 'connections.set': 'configure', 'connections.has': 'admin', stats: 'admin', 'consume.lost': 'admin' } as const;

export function kafkaHandlers(registry: ConnectionRegistry): Record<KafkaMethod, Handler> {
  const handlers: Record<Exclude<KafkaMethod, 'app'>, Handler> = {
    produce: (params, call: CallContext) => produce(registry, params, call),

    'consume.init': async (params) => {
      const p = parseInit(params);
      const r = await registry.get(p.connection).initConsumer(p);
      registry.clearLost(p.connection, r.session.opts.topics);
      if (!r.reinitialized) registry.announce(CONSUMER_TOPIC, { connection: p.connection, topics: r.session.opts.topics, event: 'started' });
      return {
        connection: p.connection,
        group_id: p.group_options.group_id,
        topics: r.session.opts.topics,
        assignment: r.assignment,
        reinitialized: r.reinitialized,
        redelivered: r.redelivered,
      };
    },

    'consume.receive': async (params, call: CallContext) => {
      const p = parseReceive(params);
      const session = registry.consumer(p.connection, p.topic);
      const wait = Math.max(0, Math.min(p.max_wait_ms, call.deadline - Date.now() - DEADLINE_MARGIN_MS));
      const records = await session.receive(p.topic, p.size, wait, call.signal, p.max_bytes);
      return records.map((r) => toWire(r, p.encoding));
    },

    'consume.ack': async (params) => {
      const p = parseAck(params);
      const r = await registry.consumer(p.connection, p.topic).ack(p.topic, p.records);
      return { acked: r.acked, unknown: r.unknown, not_received: r.notReceived, committed: r.committed };
    },

    'consume.close': async (params) => {
      const p = parseClose(params);
      registry.clearLost(p.connection, p.topic === undefined ? undefined : [p.topic]);
      const r = await registry.get(p.connection).closeConsumers(p.topic);
      registry.announce(CONSUMER_TOPIC, { connection: p.connection, topics: p.topic === undefined ? [] : [p.topic], event: 'closed' });
      return r;
    },

    // The main thread, after this worker replaced one that crashed or hung: the consumers that went with it.
    'consume.lost': (params) => {
      const p = parseLost(params);
      registry.markLost(p.connection, p.topics);
      return true;
    },

    'connections.set': async (params) => {
      const p = parseSet(params);
      return { name: p.name, outcome: await registry.set(p.name, p.config, 'params') };
    },

    'connections.has': (params) => registry.has(parseStats(params).connection),

    stats: (params) => registry.get(parseStats(params).connection).snapshot(),
  };
  return { ...handlers, app: appKafkaHandler(handlers) };
}
