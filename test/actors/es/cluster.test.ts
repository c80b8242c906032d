// Wiring of the Elasticsearch client path against a local HTTP listener that
// answers like a given server version: the `GET /` that picks the client mode,
// the request each mode sends, and how errors map. No Elasticsearch 8 server
// can be installed here (only runners up to 7.10.2 are on Maven Central), so
// the 8.x mode is checked this way; the 7.x mode also runs against the real
// Elasticsearch 7.10.2 peer, and the OpenSearch path against the real
// OpenSearch peer (pipeline.test.ts).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openBulkClient, type BulkClient } from '../../../actors/es/cluster.ts';
import { clusterSchema } from '../../../actors/es/config.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const ES8 = { version: { number: '8.14.1', build_flavor: 'default' }, tagline: 'You Know, for Search' };
const ES7 = { version: { number: '7.10.2', build_flavor: 'oss' }, tagline: 'You Know, for Search' };
const OPENSEARCH = { version: { distribution: 'opensearch', number: '2.19.1' }, tagline: 'The OpenSearch Project: https://opensearch.org/' };

describe('elasticsearch cluster client', () => {
  let server: Server;
  let url = '';
  const seen: Seen[] = [];
  let root: { body: unknown; product: boolean } = { body: ES8, product: true };
  let answer: { status: number; body: unknown } = { status: 200, body: { errors: false, items: [{ index: { status: 201, result: 'created' } }] } };
  const warnings: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void (JSON.parse(line).level === 40 && warnings.push(line)) });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const [status, out] = req.url === '/' ? [200, root.body] : [answer.status, answer.body];
        res.writeHead(status, { 'content-type': 'application/json', ...(root.product ? { 'x-elastic-product': 'Elasticsearch' } : {}) });
        res.end(JSON.stringify(out));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
    warnings.length = 0;
    root = { body: ES8, product: true };
    answer = { status: 200, body: { errors: false, items: [{ index: { status: 201, result: 'created' } }] } };
  });

  const open = (extra: Record<string, unknown> = {}): Promise<BulkClient> =>
    openBulkClient(clusterSchema.parse({ type: 'elasticsearch', nodes: [url], ...extra }), process.cwd(), log);
  const body = '{"index":{"_index":"i","_id":"1","version":5,"version_type":"external_gte"}}\n{"a":1}\n';

  it('Elasticsearch 8: asks GET / once, then sends the NDJSON body to /_bulk with filter_path, auth and the v8 media type', async () => {
    const c = await open({ auth: { apiKey: 'k3y' } });
    const res = await c.bulk(body, new AbortController().signal);
    await c.bulk(body, new AbortController().signal);
    await c.close();
    expect(res.items?.[0]).toEqual({ index: { status: 201, result: 'created' } });
    expect(seen.map((s) => s.url.split('?')[0])).toEqual(['/', '/_bulk', '/_bulk']);
    const req = seen.at(-1)!;
    expect(req.method).toBe('POST');
    expect(decodeURIComponent(req.url)).toBe('/_bulk?filter_path=errors,items.*.status,items.*.result,items.*.error');
    expect(req.body).toBe(body);
    expect(req.headers.authorization).toBe('ApiKey k3y');
    expect(seen[0]!.headers.authorization).toBe('ApiKey k3y');
    expect(req.headers['content-type']).toContain('application/vnd.elasticsearch+x-ndjson; compatible-with=8');
  });

  it('Elasticsearch 7: plain JSON media types and no product check (7.x refuses compatible-with=8 and sends no product header)', async () => {
    root = { body: ES7, product: false };
    const c = await open();
    const res = await c.bulk(body, new AbortController().signal);
    await c.close();
    expect(res.items?.[0]).toEqual({ index: { status: 201, result: 'created' } });
    const req = seen.at(-1)!;
    expect(req.headers['content-type']).toBe('application/x-ndjson');
    expect(req.headers.accept).toBe('application/json');
  });

  it('OpenSearch configured as elasticsearch works in the 7.x mode, with a warning', async () => {
    root = { body: OPENSEARCH, product: false };
    const c = await open();
    await c.bulk(body, new AbortController().signal);
    await c.close();
    expect(seen.at(-1)!.headers['content-type']).toBe('application/x-ndjson');
    expect(warnings.join('')).toContain("set cluster.type: 'opensearch'");
  });

  it('a server it cannot write to fails each bulk with the reason, as a retryable cluster error, and is asked again', async () => {
    root = { body: { version: { number: '6.8.23' } }, product: false };
    const c = await open();
    await expect(c.bulk(body, new AbortController().signal)).rejects.toMatchObject({ name: 'ClusterRequestError', status: undefined, message: expect.stringContaining('6.8.23 is not supported') });
    root = { body: ES8, product: true };
    await c.bulk(body, new AbortController().signal);
    expect(seen.map((s) => s.url.split('?')[0])).toEqual(['/', '/', '/_bulk']);
    await c.close();
  });

  it('maps HTTP failures to ClusterRequestError with the status (what the retry policy reads)', async () => {
    const c = await open({ auth: { username: 'u', password: 'p' } });
    answer = { status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'queue full' }, status: 429 } };
    await expect(c.bulk('{"index":{}}\n{}\n', new AbortController().signal)).rejects.toMatchObject({ name: 'ClusterRequestError', status: 429 });
    expect(seen.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    await c.close();
    const dead = await openBulkClient(clusterSchema.parse({ type: 'elasticsearch', nodes: ['http://127.0.0.1:1'] }), process.cwd(), log);
    await expect(dead.bulk('{"index":{}}\n{}\n', new AbortController().signal)).rejects.toMatchObject({ status: undefined });
    await dead.close();
  });
});
