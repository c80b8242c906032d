// The target cluster behind one small interface: send a prebuilt `_bulk`
// body, get the parsed response. Each cluster type gets its official client
// — @opensearch-project/opensearch for OpenSearch, @elastic/elasticsearch v8
// for Elasticsearch (the v8 client refuses OpenSearch: product check and the
// compatible-with=8 media type). Client-side retries are off: the pipeline
// owns retries, ordering and the version guard.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ClusterConfig, TlsFiles } from './config.ts';
import type { BulkResponseBody } from './bulk-result.ts';

/** Keeps the bulk response small: per item only what classifyBulk reads. */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.result,items.*.error';

export interface BulkClient {
  readonly type: ClusterConfig['type'];
  /** Sends one NDJSON body to `_bulk`. Rejects with a ClusterRequestError. */
  bulk(body: string, signal: AbortSignal): Promise<BulkResponseBody>;
  close(): Promise<void>;
}

/** A failed `_bulk` request as a whole; `status` is undefined for connection loss and timeouts. */
export class ClusterRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'ClusterRequestError';
  }
}

export function tlsOptions(files: TlsFiles | undefined, baseDir: string): TlsOptions | undefined {
  if (!files) return undefined;
  const read = (p: string | undefined): Buffer | undefined => (p ? readFileSync(isAbsolute(p) ? p : resolve(baseDir, p)) : undefined);
  const out: TlsOptions = { rejectUnauthorized: files.rejectUnauthorized };
  const ca = read(files.caFile);
  const cert = read(files.certFile);
  const key = read(files.keyFile);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}

function toRequestError(err: unknown): ClusterRequestError {
  const e = err as { statusCode?: unknown; message?: unknown; name?: unknown; body?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  let detail = typeof e.message === 'string' ? e.message : String(err);
  if (status !== undefined && typeof e.body === 'object' && e.body !== null) detail += ` ${JSON.stringify(e.body).slice(0, 500)}`;
  return new ClusterRequestError(`${typeof e.name === 'string' ? e.name : 'Error'}: ${detail}`, status);
}

async function openSearchClient(cfg: ClusterConfig, baseDir: string): Promise<BulkClient> {
  const { Client } = await import('@opensearch-project/opensearch');
  const auth = cfg.auth && 'username' in cfg.auth ? { username: cfg.auth.username, password: cfg.auth.password } : undefined;
  const headers = cfg.auth && 'apiKey' in cfg.auth ? { authorization: `ApiKey ${cfg.auth.apiKey}` } : undefined;
  const ssl = tlsOptions(cfg.tls, baseDir);
  const client = new Client({
    nodes: cfg.nodes,
    maxRetries: 0,
    requestTimeout: cfg.requestTimeoutMs,
    ...(cfg.compression ? { compression: 'gzip' as const } : {}),
    ...(auth ? { auth } : {}),
    ...(headers ? { headers } : {}),
    ...(ssl ? { ssl } : {}),
  });
  return {
    type: 'opensearch',
    async bulk(body, signal) {
      const req = client.transport.request(
        { method: 'POST', path: '/_bulk', querystring: { filter_path: BULK_FILTER_PATH }, bulkBody: body },
        { maxRetries: 0 },
      );
      const onAbort = (): void => req.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        return (await req).body as BulkResponseBody;
      } catch (err) {
        throw toRequestError(err);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    close: () => client.close(),
  };
}

async function elasticsearchClient(cfg: ClusterConfig, baseDir: string): Promise<BulkClient> {
  const { Client } = await import('@elastic/elasticsearch');
  const auth = cfg.auth ? ('apiKey' in cfg.auth ? { apiKey: cfg.auth.apiKey } : { username: cfg.auth.username, password: cfg.auth.password }) : undefined;
  const tls = tlsOptions(cfg.tls, baseDir);
  const client = new Client({
    nodes: cfg.nodes,
    maxRetries: 0,
    requestTimeout: cfg.requestTimeoutMs,
    compression: cfg.compression,
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
  });
  return {
    type: 'elasticsearch',
    async bulk(body, signal) {
      try {
        const res = await client.transport.request(
          { method: 'POST', path: '/_bulk', querystring: { filter_path: BULK_FILTER_PATH }, bulkBody: body },
          { maxRetries: 0, signal, meta: true },
        );
        return res.body as BulkResponseBody;
      } catch (err) {
        throw toRequestError(err);
      }
    },
    close: () => client.close(),
  };
}

/** Opens the client for the configured cluster type (clients load lazily: only the one in use). */
export function openBulkClient(cfg: ClusterConfig, baseDir: string): Promise<BulkClient> {
  return cfg.type === 'opensearch' ? openSearchClient(cfg, baseDir) : elasticsearchClient(cfg, baseDir);
}
