// Config schema of the `pipelines` section: Canal → Kafka → Elasticsearch /
// OpenSearch sync jobs (actors/es). Each key is a pipeline name.
import { z } from 'zod';
import { connectionSchema, consumerSchema, saslSchema, type KafkaConnection } from '../../actors/kafka/config.ts';

const MiB = 1024 * 1024;
const ms = z.number().int().positive();

const tlsFiles = z.strictObject({
  /** PEM files; relative paths are resolved against the config file's directory. */
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  rejectUnauthorized: z.boolean().default(true),
});

const legacySasl = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  password: z.string(),
});

/**
 * The Kafka connection of a pipeline: the same shape as a connection of the
 * `kafka` section (`kafka.connections.<name>`), consumed through the same
 * drivers. The driver defaults to `kafkajs` (Canal writes to a real cluster);
 * TLS file paths are relative to the config file. The camelCase spellings
 * pipelines had before (clientId, ssl, sasl.mechanism, connectionTimeoutMs,
 * sessionTimeoutMs) are still accepted and translated.
 */
export const pipelineKafkaSchema = connectionSchema
  .extend({
    driver: z.enum(['memory', 'kafkajs']).default('kafkajs'),
    sasl: z.union([saslSchema, legacySasl]).optional(),
    clientId: z.string().min(1).optional(),
    ssl: z.union([z.boolean(), tlsFiles]).optional(),
    connectionTimeoutMs: ms.optional(),
    sessionTimeoutMs: ms.optional(),
  })
  .superRefine((k, ctx) => {
    const both = (a: string, b: string): void => ctx.addIssue({ code: 'custom', message: `'${a}' and '${b}' are two spellings of one setting; keep '${b}'`, path: [a] });
    if (k.clientId !== undefined && k.client_id !== undefined) both('clientId', 'client_id');
    if (k.ssl !== undefined && k.tls !== undefined) both('ssl', 'tls');
  });

type PipelineKafkaParsed = z.output<typeof pipelineKafkaSchema>;

const SASL_TYPES = { plain: 'plain', 'scram-sha-256': 'scram_sha_256', 'scram-sha-512': 'scram_sha_512' } as const;

/** The connection with the former spellings translated, and the session timeout they may carry. */
function translateKafka(k: PipelineKafkaParsed): { connection: KafkaConnection; sessionTimeoutMs: number | undefined } {
  const { clientId, ssl, connectionTimeoutMs, sessionTimeoutMs, sasl, ...rest } = k;
  const connection: KafkaConnection = { ...rest };
  if (clientId !== undefined) connection.client_id = clientId;
  if (ssl === true) connection.tls = { enabled: true, insecure_skip_verify: false };
  else if (ssl) {
    connection.tls = { enabled: true, insecure_skip_verify: !ssl.rejectUnauthorized };
    if (ssl.caFile) connection.tls.root_ca = ssl.caFile;
    if (ssl.certFile) connection.tls.cert = ssl.certFile;
    if (ssl.keyFile) connection.tls.key = ssl.keyFile;
  }
  if (sasl) connection.sasl = 'mechanism' in sasl ? { type: SASL_TYPES[sasl.mechanism], username: sasl.username, password: sasl.password } : sasl;
  if (connectionTimeoutMs !== undefined) connection.ping = { timeout: connectionTimeoutMs };
  return { connection, sessionTimeoutMs };
}

/** Consumer-group settings: the `kafka.consumer` fields, with bigger fetches by default. */
export const pipelineConsumerSchema = consumerSchema
  // The pipeline acknowledges its records itself, when the cluster has them: a cluster outage holds them on
  // purpose (the pipeline waits and retries), so the consume API's ack timeout does not apply here.
  .omit({ ackTimeoutMs: true, onAckTimeout: true, maxBytesPerReceive: true })
  .extend({
    // Bigger fetches cost less CPU per record (measured in kafkajs: 1 MiB → 4.3 µs, 8 MiB → 2.3 µs per 10-row Canal
    // message); the pipeline's own buffer bound still applies behind them.
    maxBytesPerPartition: z.number().int().positive().default(4 * MiB),
  });

export const clusterSchema = z.strictObject({
  /** Picks the client: @opensearch-project/opensearch or @elastic/elasticsearch (v8). */
  type: z.enum(['opensearch', 'elasticsearch']),
  nodes: z.array(z.url()).min(1),
  auth: z
    .union([z.strictObject({ username: z.string().min(1), password: z.string() }), z.strictObject({ apiKey: z.string().min(1) })])
    .optional(),
  tls: tlsFiles.optional(),
  requestTimeoutMs: ms.default(30_000),
  /** gzip request bodies (worth it on a slow link, costs CPU on a fast one). */
  compression: z.boolean().default(false),
  /**
   * Circuit breaker for the cluster: after `failureThreshold` failed bulk
   * requests in a row (connection loss, timeout, 429, 5xx) bulks stop being
   * sent for `resetTimeoutMs`, then one trial bulk decides. Nothing is dropped
   * or dead-lettered while it is open: the pipeline waits.
   */
  breaker: z
    .strictObject({
      failureThreshold: z.number().int().positive().default(5),
      resetTimeoutMs: ms.default(5000),
    })
    .prefault({}),
});

/** A handler module (`module`), or the no-code default mapping (`index`). */
export const handlerSpecSchema = z.union([
  z.strictObject({
    /** Path of a module whose default export is defineHandler(...), relative to the config file. */
    module: z.string().min(1),
    options: z.unknown().optional(),
  }),
  z.strictObject({
    index: z.string().min(1),
    /** Columns forming the document id; default: the table's primary key (Canal pkNames). */
    id: z.array(z.string().min(1)).min(1).optional(),
    /** Columns left out of the document. */
    exclude: z.array(z.string()).default([]),
    /** UPDATE writes only the changed columns (a partial update) instead of replacing the document. */
    partial: z.boolean().default(false),
  }),
]);

export const pipelineLimitsSchema = z.strictObject({
  /** Operations per bulk request. */
  bulkActions: z.number().int().min(1).max(100_000).default(1000),
  /** Body bytes per bulk request. */
  bulkBytes: z.number().int().min(1024).max(100 * MiB).default(5 * MiB),
  /** A partly filled bulk is sent after this long. */
  flushIntervalMs: ms.default(200),
  /** Bulk requests in flight at once. Same-document operations never overlap. */
  maxWorkerCount: z.number().int().min(1).max(64).default(4),
  /** Operations buffered before Kafka consumption pauses; default bulkActions × (maxWorkerCount + 1). */
  maxBufferedOps: z.number().int().positive().optional(),
  retryBackoffMs: z.strictObject({ initial: ms.default(100), max: ms.default(30_000) }).prefault({}),
  /** Retries of one document answered 5xx before it goes to the dead-letter topic (429 and connection loss retry forever). */
  maxDocRetries: z.number().int().min(0).default(10),
});

export const pipelineSchema = z
  .strictObject({
  enabled: z.boolean().default(true),
  kafka: pipelineKafkaSchema,
  consumer: pipelineConsumerSchema.prefault({}),
  topics: z.array(z.string().min(1)).min(1),
  group: z.string().min(1),
  /** Where a new consumer group starts. */
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  cluster: clusterSchema,
  /** Keyed by `database.table`; `*` matches any run of characters (e.g. `shop.orders_*`). */
  handlers: z.record(z.string().regex(/^[^.\s]+\.[^.\s]+$/, 'expected database.table'), handlerSpecSchema),
  /** Topic for rejected documents and undecodable messages (same Kafka connection). */
  deadLetterTopic: z.string().min(1),
  limits: pipelineLimitsSchema.prefault({}),
  /** stop drains in-flight bulks for at most this long, then commits what finished (10 s by default). */
  stopTimeoutMs: ms.default(10_000),
  commitIntervalMs: ms.default(1000),
  /** Field holding the per-table versions that guard partial updates. */
  versionField: z.string().min(1).default('_cdc'),
})
  .transform(({ kafka, consumer, ...rest }) => {
    const { connection, sessionTimeoutMs } = translateKafka(kafka);
    return { ...rest, kafka: connection, consumer: sessionTimeoutMs === undefined ? consumer : { ...consumer, sessionTimeoutMs } };
  });

export const pipelinesSchema = z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/i), pipelineSchema).default({});

export type PipelineConfig = z.output<typeof pipelineSchema>;
export type PipelineConfigInput = z.input<typeof pipelineSchema>;
export type PipelineConsumer = z.output<typeof pipelineConsumerSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type HandlerSpec = z.output<typeof handlerSpecSchema>;
export type PipelineLimits = z.output<typeof pipelineLimitsSchema>;
export type TlsFiles = z.output<typeof tlsFiles>;
