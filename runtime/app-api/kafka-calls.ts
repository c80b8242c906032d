import type { KafkaConnection, KafkaPayload } from './schema.ts';

/*
 * How seed 000's App API maps onto the Kafka actor's methods. This file is the
 * only place that knows the Kafka actor's method names and parameter shapes;
 * App.Kafka and App.Init validate first (schema.ts), then forward through here.
 */

export const KAFKA_METHODS = {
  produce: 'produce',
  consume_init: 'consume.init',
  consume_receive: 'consume.receive',
  consume_ack: 'consume.ack',
  consume_close: 'consume.close',
  connect: 'connections.set',
} as const;

export interface KafkaCall {
  /** Method name without the actor prefix. */
  method: string;
  params: Record<string, unknown>;
}

export function kafkaCallOf(p: KafkaPayload): KafkaCall {
  switch (p.action) {
    case 'produce': {
      const m = p.message;
      return {
        method: KAFKA_METHODS.produce,
        params: {
          connection: m.connection,
          topic: m.topic,
          value: m.value,
          ...(m.key !== undefined && m.key !== null ? { key: m.key } : {}),
          headers: m.headers,
          sync: m.sync_mode,
        },
      };
    }
    case 'consume_init': {
      const { connection, group_options: g, consume_options: c } = p.message;
      return {
        method: KAFKA_METHODS.consume_init,
        params: {
          connection,
          groupId: g.group_id,
          topics: c.topics,
          fromBeginning: c.offset === 'at_start',
          autoCommit: c.auto_commit,
          ...(g.session_timeout !== undefined ? { sessionTimeoutMs: g.session_timeout } : {}),
          ...(g.rebalance_timeout !== undefined ? { rebalanceTimeoutMs: g.rebalance_timeout } : {}),
          ...(g.heartbeat_interval !== undefined ? { heartbeatIntervalMs: g.heartbeat_interval } : {}),
          ...(g.instance_id !== undefined ? { instanceId: g.instance_id } : {}),
          ...(c.max_wait !== undefined ? { maxWaitMs: c.max_wait } : {}),
        },
      };
    }
    case 'consume_receive':
      return { method: KAFKA_METHODS.consume_receive, params: { ...p.message } };
    case 'consume_ack':
      return { method: KAFKA_METHODS.consume_ack, params: { ...p.message } };
    case 'consume_close':
      return { method: KAFKA_METHODS.consume_close, params: { ...p.message } };
  }
}

/** Registers (or replaces) one named connection with the Kafka actor. */
export function connectCallOf(name: string, c: KafkaConnection): KafkaCall {
  return {
    method: KAFKA_METHODS.connect,
    params: {
      name,
      brokers: c.brokers,
      allowAutoTopicCreation: c.auto_create_topics_enable,
      ...(c.tls?.enabled
        ? { tls: { ...(c.tls.cert ? { cert: c.tls.cert, key: c.tls.key } : {}), ...(c.tls.root_ca ? { ca: c.tls.root_ca } : {}) } }
        : {}),
      ...(c.sasl ? { sasl: { mechanism: c.sasl.type, username: c.sasl.username, password: c.sasl.password } } : {}),
      ...(c.ping ? { pingTimeoutMs: c.ping.timeout } : {}),
    },
  };
}

/** One consumed record as App.Kafka consume_receive returns it to PHP. */
export interface AppRecord {
  topic: string;
  partition: number;
  offset: number | string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Epoch milliseconds. */
  timestamp: number;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
  return String(v);
}

function integer(v: unknown): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  const s = String(v ?? '0');
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : s;
}

function headerMap(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(h)) {
    for (const e of h as { key?: unknown; value?: unknown }[]) if (e && typeof e.key === 'string') out[e.key] = text(e.value) ?? '';
  } else if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h)) out[k] = text(Array.isArray(v) ? v[v.length - 1] : v) ?? '';
  }
  return out;
}

/** The Kafka actor's records in the shape PHP receives (values as strings, headers as a map). */
export function toAppRecords(result: unknown): AppRecord[] {
  const list = Array.isArray(result) ? result : ((result as { records?: unknown } | null)?.records ?? []);
  if (!Array.isArray(list)) return [];
  return (list as Record<string, unknown>[]).map((r) => ({
    topic: text(r.topic) ?? '',
    partition: Number(r.partition ?? 0),
    offset: integer(r.offset),
    key: text(r.key),
    value: text(r.value) ?? '',
    headers: headerMap(r.headers),
    timestamp: Number(integer(r.timestamp)) || 0,
  }));
}
