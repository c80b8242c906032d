// Wiring of the Elasticsearch v8 client path. No Elasticsearch 8 server can be
// installed here (its runner is not on Maven Central; see docs/es-pipeline.md),
// so this checks the request the client sends and how its errors map, against
// a local HTTP listener that answers like ES 8 (including the
// x-elastic-product header the v8 client insists on). The OpenSearch path
// runs against the real OpenSearch peer in pipeline.test.ts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBulkClient, type BulkClient } from '../../../actors/es/cluster.ts';
import { clusterSchema } from '../../../actors/es/config.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('elasticsearch cluster client (v8 wire format)', () => {
  let server: Server;
  let url = '';
  const seen: Seen[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: { errors: false, items: [{ index: { status: 201, result: 'created' } }] } };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(answer.status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const open = (extra: Record<string, unknown> = {}): Promise<BulkClient> =>
    openBulkClient(clusterSchema.parse({ type: 'elasticsearch', nodes: [url], ...extra }), process.cwd());

  it('sends the prebuilt NDJSON body to /_bulk with filter_path, auth, and the v8 media type', async () => {
    const c = await open({ auth: { apiKey: 'k3y' } });
    const body = '{"index":{"_index":"i","_id":"1","version":5,"version_type":"external_gte"}}\n{"a":1}\n';
    const res = await c.bulk(body, new AbortController().signal);
    await c.close();
    expect(res.items?.[0]).toEqual({ index: { status: 201, result: 'created' } });
    const req = seen.at(-1)!;
    expect(req.method).toBe('POST');
    expect(decodeURIComponent(req.url)).toBe('/_bulk?filter_path=errors,items.*.status,items.*.result,items.*.error');
    expect(req.body).toBe(body);
    expect(req.headers.authorization).toBe('ApiKey k3y');
    expect(req.headers['content-type']).toContain('application/vnd.elasticsearch+x-ndjson');
  });

  it('maps HTTP failures to ClusterRequestError with the status (what the retry policy reads)', async () => {
    const c = await open({ auth: { username: 'u', password: 'p' } });
    answer = { status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'queue full' }, status: 429 } };
    await expect(c.bulk('{"index":{}}\n{}\n', new AbortController().signal)).rejects.toMatchObject({ name: 'ClusterRequestError', status: 429 });
    expect(seen.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    await c.close();
    const dead = await openBulkClient(clusterSchema.parse({ type: 'elasticsearch', nodes: ['http://127.0.0.1:1'] }), process.cwd());
    await expect(dead.bulk('{"index":{}}\n{}\n', new AbortController().signal)).rejects.toMatchObject({ status: undefined });
    await dead.close();
  });
});
