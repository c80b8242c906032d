// The target cluster behind one small interface: send a prebuilt `_bulk`
// body, get the parsed response. Each cluster type gets its official client
// — @opensearch-project/opensearch for OpenSearch, @elastic/elasticsearch v8
// for Elasticsearch, set up for the server version it finds (7.x or 8+, see
// cluster-version.ts). Client-side retries are off: the pipeline owns
// retries, ordering and the version guard.
import { isAbsolute, resolve } from 'node:path';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { ClusterConfig, TlsFiles } from './config.ts';
import { MAX_PEM_BYTES } from '../kafka/config.ts';
import { readRegularFile } from '../../runtime/security/safe-file.ts';
import type { BulkResponseBody } from './bulk-result.ts';
import { detectElasticsearch } from './cluster-version.ts';

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
  // Opened without blocking and size-capped, like every file the config names (a FIFO would hang the worker).
  const read = (p: string | undefined, what: string): Buffer | undefined =>
    p ? readRegularFile(isAbsolute(p) ? p : resolve(baseDir, p), { maxBytes: MAX_PEM_BYTES, what: `cluster.tls.${what}` }) : undefined;
  const out: TlsOptions = { rejectUnauthorized: files.rejectUnauthorized };
  const ca = read(files.caFile, 'caFile');
  const cert = read(files.certFile, 'certFile');
  const key = read(files.keyFile, 'keyFile');
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

/**
 * Elasticsearch through @elastic/elasticsearch 8. Which server it is (and so
 * how the client must talk to it, see cluster-version.ts) is found out with
 * `GET /` before the first bulk, not at start: a cluster that is down at
 * start only delays the pipeline, like any cluster outage.
 */
async function elasticsearchClient(cfg: ClusterConfig, baseDir: string, log: Logger): Promise<BulkClient> {
  const { Client, Transport } = await import('@elastic/elasticsearch');
  // Plain JSON media types and no product check: what Elasticsearch 7.x (and OpenSearch) accept.
  class CompatTransport extends Transport {
    constructor(opts: ConstructorParameters<typeof Transport>[0]) {
      super({ ...opts, productCheck: undefined, vendoredHeaders: { jsonContentType: 'application/json', ndjsonContentType: 'application/x-ndjson', accept: 'application/json' } });
    }
  }
  const auth = cfg.auth ? ('apiKey' in cfg.auth ? { apiKey: cfg.auth.apiKey } : { username: cfg.auth.username, password: cfg.auth.password }) : undefined;
  const tls = tlsOptions(cfg.tls, baseDir);
  const options = {
    nodes: cfg.nodes,
    maxRetries: 0,
    requestTimeout: cfg.requestTimeoutMs,
    compression: cfg.compression,
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
  };
  const compat = new Client({ ...options, Transport: CompatTransport });
  let ready: Promise<EsClient> | null = null;
  const detect = async (signal: AbortSignal): Promise<EsClient> => {
    let res;
    try {
      res = await compat.transport.request({ method: 'GET', path: '/' }, { maxRetries: 0, signal, meta: true });
    } catch (err) {
      throw toRequestError(err);
    }
    const d = detectElasticsearch(res.body, res.headers ?? {});
    if (!d.ok) throw new ClusterRequestError(`cannot write to ${cfg.nodes.join(',')}: ${d.reason}`, undefined);
    if (d.warning) log.warn({ nodes: cfg.nodes }, d.warning);
    log.info({ nodes: cfg.nodes, server: `${d.server.product} ${d.server.version}`, client: d.mode === 'v8' ? '@elastic/elasticsearch 8' : '@elastic/elasticsearch 8, 7.x media types, no product check' }, 'cluster detected');
    return d.mode === 'compat' ? compat : new Client(options);
  };
  return {
    type: 'elasticsearch',
    async bulk(body, signal) {
      const pending = (ready ??= detect(signal));
      let client: EsClient;
      try {
        client = await pending;
      } catch (err) {
        if (ready === pending) ready = null; // found out again before the next bulk
        throw err;
      }
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
    async close() {
      const client = await ready?.catch(() => null);
      if (client && client !== compat) await client.close();
      await compat.close();
    },
  };
}

/** Opens the client for the configured cluster type (clients load lazily: only the one in use). */
export function openBulkClient(cfg: ClusterConfig, baseDir: string, log: Logger): Promise<BulkClient> {
  return cfg.type === 'opensearch' ? openSearchClient(cfg, baseDir) : elasticsearchClient(cfg, baseDir, log);
}
