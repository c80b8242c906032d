// The search clusters the ES pipeline tests run against: the OpenSearch node
// of test/peers/opensearch.sh and the Elasticsearch node of
// test/peers/elasticsearch.sh, each with the plain-HTTP helpers the tests use
// to check what landed (independent of the pipeline's own clients).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

type Hit = { _id: string; _source: Record<string, unknown> };

export class SearchPeer {
  constructor(
    /** `cluster.type` of a pipeline writing to it. */
    readonly type: 'opensearch' | 'elasticsearch',
    readonly name: string,
    readonly url: string,
    /** The control script (start, stop, kill9) and the environment that points it at this node. */
    readonly script: string,
    readonly env: Record<string, string>,
  ) {}

  /** Runs the peer script. Async: an in-process test daemon shares this event loop (its hang watchdog). */
  async control(command: 'start' | 'stop' | 'kill9'): Promise<void> {
    await promisify(execFile)(`${ROOT}test/peers/${this.script}`, [command], { timeout: 240_000, env: { ...process.env, ...this.env } });
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Null when healthy, else what is wrong and how to fix it. */
  async problem(): Promise<string | null> {
    try {
      const res = await fetch(`${this.url}/_cluster/health?wait_for_status=yellow&timeout=5s`, { signal: AbortSignal.timeout(8000) });
      return res.ok ? null : `${this.name} at ${this.url} answered ${res.status}`;
    } catch (err) {
      return `${this.name} not reachable at ${this.url} (${(err as Error).message}); start it: test/peers/${this.script} start`;
    }
  }

  async recreateIndex(index: string, mappings?: unknown): Promise<void> {
    await this.request('DELETE', `/${index}`);
    const r = await this.request('PUT', `/${index}`, { settings: { number_of_shards: 1, number_of_replicas: 0 }, ...(mappings ? { mappings } : {}) });
    if (r.status !== 200) throw new Error(`create index ${index} on ${this.name}: ${JSON.stringify(r.body)}`);
  }

  /** Every document of an index by id (refreshes first). */
  async documents(index: string): Promise<Map<string, Record<string, unknown>>> {
    await this.request('POST', `/${index}/_refresh`);
    const out = new Map<string, Record<string, unknown>>();
    let after: unknown[] | undefined;
    for (;;) {
      const r = await this.request<{ hits?: { hits: (Hit & { sort: unknown[] })[] } }>('POST', `/${index}/_search`, {
        size: 5000,
        sort: [{ _id: 'asc' }],
        ...(after ? { search_after: after } : {}),
      });
      const hits = r.body.hits?.hits ?? [];
      for (const h of hits) out.set(h._id, h._source);
      if (hits.length < 5000) return out;
      after = hits[hits.length - 1]!.sort;
    }
  }

  /** Deletes the indices a test file created (names ending in its suffix), so a node killed later recovers fewer. */
  async dropIndices(suffix: string): Promise<void> {
    await this.request('DELETE', `/*${suffix}`);
  }

  async count(index: string): Promise<number> {
    await this.request('POST', `/${index}/_refresh`);
    return (await this.request<{ count: number }>('GET', `/${index}/_count`)).body.count;
  }
}

/**
 * Script environment for a node at `url` kept in `dir`: lets the tests use a
 * second instance (say one they may kill while other checkouts use the shared
 * one) with ES_TEST_OPENSEARCH=http://127.0.0.1:9231 ES_TEST_OPENSEARCH_DIR=/tmp/os2.
 */
function scriptEnv(portVar: string, url: string, dir: string | undefined): Record<string, string> {
  return { [portVar]: new URL(url).port, ...(dir ? { OUTRIGGER_PEERS_DIR: dir } : {}) };
}

const osUrl = process.env.ES_TEST_OPENSEARCH ?? 'http://127.0.0.1:9201';
const esUrl = process.env.ES_TEST_ELASTICSEARCH ?? 'http://127.0.0.1:9260';

export const OPENSEARCH = new SearchPeer('opensearch', 'OpenSearch 2.19.1', osUrl, 'opensearch.sh', scriptEnv('OS_HTTP_PORT', osUrl, process.env.ES_TEST_OPENSEARCH_DIR));
export const ELASTICSEARCH = new SearchPeer('elasticsearch', 'Elasticsearch 7.10.2', esUrl, 'elasticsearch.sh', scriptEnv('ES_HTTP_PORT', esUrl, process.env.ES_TEST_ELASTICSEARCH_DIR));

/** Every cluster the pipeline is tested against; the real-cluster tests run once per entry. */
export const CLUSTERS: readonly SearchPeer[] = [OPENSEARCH, ELASTICSEARCH];
