// The `kafka` section of sidecar.config.ts and the shape of a named
// connection. Connection fields follow the Hi Framework sidecar's application.yaml
// (snake_case: brokers, auto_create_topics_enable, tls, sasl, ping) so the
// same object works in the config file and in App.Init / kafka.connections.set.
import { z } from 'zod';

const GO_DURATION = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration string ("10s", "1m30s", "250ms"), or null when it is not one. */
export function goDurationMs(v: string): number | null {
  if (!GO_DURATION.test(v)) return null;
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(ms);
}

/** Milliseconds as a number, or a Go duration string ("500ms", "10s", "1m30s"). */
export const duration = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(GO_DURATION, 'expected milliseconds or a duration such as "500ms", "10s", "1m30s"'),
  ])
  .transform((v) => (typeof v === 'number' ? v : goDurationMs(v)!));

export const connectionNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, . _ - (max 128)');

const broker = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port');

/** Largest PEM (inline or file) a connection may name: a CA bundle fits many times over. */
export const MAX_PEM_BYTES = 1024 * 1024;

/** PEM text sent inline rather than a file path. */
export function isInlinePem(v: string): boolean {
  return v.includes('-----BEGIN ');
}

const pem = z.string().min(1).max(MAX_PEM_BYTES);

export const tlsSchema = z.strictObject({
  /** A tls block without `enabled` turns TLS on; `enabled: false` keeps the block but connects in plaintext. */
  enabled: z.boolean().default(true),
  /**
   * Client certificate and key for mutual TLS, CA bundle for the server: PEM
   * text, or a file path (in the config file; a client sending a path must
   * name one listed in kafka.tlsFiles).
   */
  cert: pem.optional(),
  key: pem.optional(),
  root_ca: pem.optional(),
  server_name: z.string().min(1).optional(),
  insecure_skip_verify: z.boolean().default(false),
});

export const saslSchema = z.strictObject({
  type: z.enum(['plain', 'scram_sha_256', 'scram_sha_512']),
  username: z.string().min(1),
  password: z.string(),
});

export const connectionSchema = z
  .strictObject({
    /** Overrides the section's driver for this connection. */
    driver: z.enum(['memory', 'kafkajs']).optional(),
    brokers: z.array(broker).min(1),
    client_id: z.string().min(1).optional(),
    /** When false (the default) producing to or consuming from a missing topic fails with KAFKA_UNKNOWN_TOPIC. */
    auto_create_topics_enable: z.boolean().default(false),
    tls: tlsSchema.optional(),
    sasl: saslSchema.optional(),
    /** Connect (and authenticate) timeout: how long an unreachable broker may take to say so. */
    ping: z.strictObject({ timeout: duration.default(5000) }).prefault({}),
    /** How long a request to the broker may take before it counts as failed. */
    request_timeout: duration.default(10_000),
    /** Records larger than this fail with KAFKA_MESSAGE_TOO_LARGE before they are sent (broker default 1 MiB). */
    max_message_bytes: z.number().int().positive().default(1_048_576),
    /** Client retries for retriable broker errors, kept short so a dead cluster fails calls in about a second. */
    retry: z
      .strictObject({
        retries: z.number().int().min(0).max(20).default(3),
        initial: duration.default(100),
        max: duration.default(1000),
      })
      .prefault({}),
    /** Circuit breaker in front of the brokers. */
    circuit: z
      .strictObject({
        failure_threshold: z.number().int().positive().default(3),
        reset_timeout: duration.default(5000),
        half_open_max: z.number().int().positive().default(1),
      })
      .prefault({}),
    /** Topics created when missing, the first time the connection is used. */
    topics: z.record(z.string().min(1), z.strictObject({ partitions: z.number().int().positive().default(1) }).prefault({})).default({}),
  });

export const producerSchema = z.strictObject({
  /** How long an async record may wait for others to share its request. */
  lingerMs: z.number().int().min(0).max(10_000).default(5),
  /** A request is sent as soon as it holds this many bytes (keep below the broker's message.max.bytes). */
  batchMaxBytes: z.number().int().positive().default(512 * 1024),
  batchMaxMessages: z.number().int().positive().default(10_000),
  /** Requests in flight per connection. */
  maxInFlight: z.number().int().positive().max(64).default(5),
  /** Async records still undelivered after this long are counted as failed and logged. */
  deliveryTimeoutMs: z.number().int().positive().default(30_000),
  /** Async records waiting per connection; more fail with KAFKA_QUEUE_FULL. */
  maxQueuedMessages: z.number().int().positive().default(100_000),
  retryBackoffMs: z.number().int().positive().default(100),
  /**
   * Records one multi-record kafka.produce call (`messages: [...]`) may carry; more fail with KAFKA_BATCH_TOO_LARGE.
   * Default 10,000, or maxQueuedMessages when that is smaller.
   */
  maxMessagesPerCall: z.number().int().positive().max(1_000_000).optional(),
  /** Bytes of records (counted as max_message_bytes counts them) one multi-record call may carry; more fail with KAFKA_BATCH_TOO_LARGE. */
  maxBytesPerCall: z.number().int().positive().default(8 * 1024 * 1024),
})
  // An async call is accepted whole or not at all, so a larger one could never be accepted.
  .refine((p) => p.maxMessagesPerCall === undefined || p.maxMessagesPerCall <= p.maxQueuedMessages, {
    message: 'must not exceed maxQueuedMessages',
    path: ['maxMessagesPerCall'],
  })
  .transform((p) => ({ ...p, maxMessagesPerCall: p.maxMessagesPerCall ?? Math.min(10_000, p.maxQueuedMessages) }));

export const consumerSchema = z.strictObject({
  /** Default records buffered ahead per topic (consume option fetch_size overrides it); partitions pause when it is full. */
  fetchSize: z.number().int().positive().max(1_000_000).default(1024),
  /** Record bytes buffered ahead per topic (with those received and not acknowledged); partitions pause at it too. */
  fetchBytes: z.number().int().positive().default(64 * 1024 * 1024),
  /** Broker fetch wait, and how often paused partitions are rechecked. */
  maxWaitMs: z.number().int().positive().default(200),
  maxBytesPerPartition: z.number().int().positive().default(1_048_576),
  sessionTimeoutMs: z.number().int().positive().default(30_000),
  rebalanceTimeoutMs: z.number().int().positive().default(60_000),
  heartbeatIntervalMs: z.number().int().positive().default(3000),
  /**
   * A record received and not acknowledged for this long has timed out (0 = never): its commit is
   * what every later record of the partition waits for. Consume option ack_timeout overrides it.
   */
  ackTimeoutMs: z.number().int().min(0).max(86_400_000).default(300_000),
  /**
   * redeliver: the timed-out records go back to the buffer and the next receive hands them out again;
   * fail: the consumer commits what was acknowledged, leaves the group and answers KAFKA_ACK_TIMEOUT
   * until kafka.consume.init is called again. Consume option on_ack_timeout overrides it.
   */
  onAckTimeout: z.enum(['redeliver', 'fail']).default('redeliver'),
  /**
   * Record bytes (counted as maxBytesPerCall counts them) one kafka.consume.receive hands out at most; a record
   * larger than this goes out alone. A receive's `max_bytes` can only lower it. JSON makes a reply at most 6× its
   * record bytes, so the default keeps every reply of records within it under requests.maxReplyBytes (16 MiB).
   */
  maxBytesPerReceive: z.number().int().positive().default(2 * 1024 * 1024),
});

export const kafkaConfigSchema = z.strictObject({
  /** Run the built-in kafka actor (kafka.produce, kafka.consume.*). */
  enabled: z.boolean().default(true),
  /** memory: in-process topics and groups (development, tests); kafkajs: a real cluster. */
  driver: z.enum(['memory', 'kafkajs']).default('memory'),
  /** Worker threads; connections are spread over them, each connection lives in one. */
  workers: z.number().int().min(1).max(16).default(1),
  connections: z.record(connectionNameSchema, connectionSchema).default({}),
  /**
   * PEM file paths that clients registering connections (kafka.connections.set,
   * App.Init) may name in tls.root_ca/cert/key, exactly as written. A client
   * may otherwise only send PEM text: no other path it names is opened.
   */
  tlsFiles: z.array(z.string().min(1)).default([]),
  producer: producerSchema.prefault({}),
  consumer: consumerSchema.prefault({}),
});

export type KafkaConnectionInput = z.input<typeof connectionSchema>;
export type KafkaConnection = z.output<typeof connectionSchema>;
export type KafkaConfig = z.output<typeof kafkaConfigSchema>;
export type ProducerSettings = z.output<typeof producerSchema>;
export type ConsumerSettings = z.output<typeof consumerSchema>;
export type DriverName = KafkaConfig['driver'];

/** A connection as safe to log: no password, no key material paths beyond what identifies them. */
export function describeConnection(name: string, c: KafkaConnection, driver: DriverName): Record<string, unknown> {
  return {
    connection: name,
    driver,
    brokers: c.brokers,
    tls: c.tls?.enabled ? { ca: c.tls.root_ca === undefined ? 'system' : isInlinePem(c.tls.root_ca) ? 'inline' : c.tls.root_ca, clientCert: Boolean(c.tls.cert) } : false,
    sasl: c.sasl ? { type: c.sasl.type, username: c.sasl.username } : false,
  };
}
