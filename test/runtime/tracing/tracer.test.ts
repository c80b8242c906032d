// End to end: a traced IPC request gets a server span exported over OTLP/HTTP
// JSON, and the actor sees that span as its parent (so Kafka headers it
// produces continue the same trace). The receiver here is a plain HTTP server
// that checks the OTLP JSON shape; no OpenTelemetry collector runs on this
// machine (see docs/tracing.md).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTraceparent } from '../../../runtime/tracing/traceparent.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status: { code: number; message?: string };
}
interface OtlpBody {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const CLIENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('request tracing with OTLP export', () => {
  let d: TestDaemon;
  let receiver: http.Server;
  const bodies: OtlpBody[] = [];
  const headers: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        headers.push(req.headers);
        bodies.push(JSON.parse(Buffer.concat(chunks).toString()) as OtlpBody);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    d = await startTestDaemon(
      {
        tracing: { otlpEndpoint: `http://127.0.0.1:${port}/v1/traces`, exportIntervalMs: 100, headers: { authorization: 'Bearer s3cr3t' } },
        actors: { opsprobe: { module: './test/fixtures/actors/opsprobe.ts' } },
      },
    );
  });
  afterAll(async () => {
    await d.stop();
    receiver.close();
  });

  const spans = (): OtlpSpan[] => bodies.flatMap((b) => b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));

  it('exports a server span under the client span and hands the worker its own span as parent', async () => {
    const c = d.client();
    const seen = (await c.call('opsprobe.trace', {}, { traceparent: CLIENT })) as { traceparent: string; headers: { traceparent: string } };
    const worker = parseTraceparent(seen.traceparent)!;
    expect(worker.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(worker.parentId).not.toBe('b7ad6b7169203331');
    // what a Kafka producer would put in the message headers: same trace, a further child
    const kafka = parseTraceparent(seen.headers.traceparent)!;
    expect(kafka.traceId).toBe(worker.traceId);
    expect(kafka.parentId).not.toBe(worker.parentId);

    await expect.poll(() => spans().length, { timeout: 5000 }).toBeGreaterThan(0);
    const span = spans().find((s) => s.name === 'opsprobe.trace')!;
    expect(span).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: worker.parentId,
      parentSpanId: 'b7ad6b7169203331',
      kind: 2,
      status: { code: 1 },
    });
    expect(BigInt(span.endTimeUnixNano)).toBeGreaterThan(BigInt(span.startTimeUnixNano));
    expect(span.attributes).toContainEqual({ key: 'rpc.method', value: { stringValue: 'opsprobe.trace' } });
    const resource = bodies[0]!.resourceSpans[0]!.resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'outrigger' } });
    expect(headers[0]!['content-type']).toBe('application/json');
    expect(headers[0]!.authorization).toBe('Bearer s3cr3t');
  });

  it('passes unsampled and untraced requests through without spans', async () => {
    const before = spans().length;
    const c = d.client();
    const unsampled = CLIENT.replace(/01$/, '00');
    const seen = (await c.call('opsprobe.trace', {}, { traceparent: unsampled })) as { traceparent: string };
    expect(seen.traceparent).toBe(unsampled);
    expect(((await c.call('opsprobe.trace', {})) as { traceparent: string | null }).traceparent).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    expect(spans().length).toBe(before);
  });

  it('marks failed requests as error spans and never shows exporter headers in status', async () => {
    const c = d.client();
    await expect(c.call('opsprobe.connect', { port: 1 }, { traceparent: CLIENT })).rejects.toMatchObject({ code: 'BACKEND_UNREACHABLE' });
    await expect.poll(() => spans().find((s) => s.name === 'opsprobe.connect')?.status, { timeout: 5000 }).toEqual({ code: 2, message: 'BACKEND_UNREACHABLE' });
    expect(JSON.stringify(d.daemon.status())).not.toContain('s3cr3t');
  });
});
