import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { parseProm, sum, value } from '../../helpers/prom.ts';

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('runtime metrics on /metrics', () => {
  let d: TestDaemon;
  let url: string;
  const scrape = async (): Promise<string> => (await fetch(`${url}/metrics`)).text();

  beforeAll(async () => {
    d = await startTestDaemon(
      {
        workers: { heartbeatMs: 100 },
        requests: { methodTimeoutsMs: { 'opsprobe.stall': 50 } },
        actors: { opsprobe: { module: './test/fixtures/actors/opsprobe.ts', workers: 2, options: { snapshotMs: 100 } } },
      },
    );
    url = (d.daemon.status().sections.ops as { metricsUrl: string }).metricsUrl;
  });
  afterAll(() => d.stop());

  it('counts requests by listener, method and outcome, with latency histograms and errors by code', async () => {
    const c = d.client();
    for (let i = 0; i < 20; i++) await c.call('sys.echo', i);
    await expect(c.call('no.such')).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    await expect(c.call('also.missing')).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    const text = await scrape();
    expect(value(text, 'outrigger_requests_total', { listener: 'ipc', method: 'sys.echo', outcome: 'ok' })).toBe(20);
    // unknown names share one label value, so garbage cannot grow the series count
    expect(value(text, 'outrigger_requests_total', { listener: 'ipc', method: '(unknown)', outcome: 'UNKNOWN_METHOD' })).toBe(2);
    expect(text).not.toContain('no.such');
    expect(value(text, 'outrigger_request_duration_seconds_count', { listener: 'ipc', method: 'sys.echo' })).toBe(20);
    expect(value(text, 'outrigger_request_duration_seconds_bucket', { listener: 'ipc', method: 'sys.echo', le: '+Inf' })).toBe(20);
    expect(value(text, 'outrigger_request_errors_total', { code: 'UNKNOWN_METHOD' })).toBe(2);
    expect(value(text, 'outrigger_listener_connections', { listener: 'ipc' })).toBeGreaterThanOrEqual(1);
  });

  it('shows ipc_async_pending while async requests wait, and ipc_async_timeout when they expire', async () => {
    const c = d.client();
    const slow = [1, 2, 3].map(() => c.call('opsprobe.slow', { ms: 400 }));
    await expect.poll(async () => value(await scrape(), 'ipc_async_pending', { listener: 'ipc' }), { timeout: 2000, interval: 20 }).toBe(3);
    expect(value(await scrape(), 'outrigger_requests_inflight')).toBeGreaterThanOrEqual(3);
    await Promise.all(slow);
    expect(value(await scrape(), 'ipc_async_pending', { listener: 'ipc' })).toBe(0);

    await expect(c.call('opsprobe.stall', { ms: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const text = await scrape();
    expect(value(text, 'ipc_async_timeout', { listener: 'ipc' })).toBe(1);
    expect(value(text, 'outrigger_request_timeouts_total')).toBe(1);
    expect(value(text, 'outrigger_requests_total', { method: 'opsprobe.stall', outcome: 'TIMEOUT' })).toBe(1);
  });

  it('reports per-actor queue depth, run/wait histograms from worker heartbeats and worker states', async () => {
    const c = d.client();
    await Promise.all(Array.from({ length: 10 }, () => c.call('opsprobe.slow', { ms: 5 })));
    // Workers time one request in eight and weight it by eight, so counts are estimates in steps of 8.
    await expect.poll(async () => value(await scrape(), 'outrigger_actor_run_seconds_count', { actor: 'opsprobe' }), { timeout: 3000 }).toBeGreaterThanOrEqual(8);
    const text = await scrape();
    expect(value(text, 'outrigger_actor_queue_depth', { actor: 'opsprobe' })).toBeGreaterThanOrEqual(0);
    expect(value(text, 'outrigger_actor_queue_limit', { actor: 'opsprobe' })).toBe(65536);
    expect(value(text, 'outrigger_actor_workers', { actor: 'opsprobe', state: 'ready' })).toBe(2);
    expect(value(text, 'outrigger_actor_wait_seconds_count', { actor: 'opsprobe' })! % 8).toBe(0);
    expect(value(text, 'outrigger_actor_run_seconds_sum', { actor: 'opsprobe' })).toBeGreaterThan(0.004);
    // 3 + 10 slow requests completed (the stalled one was abandoned), reported by the next heartbeats
    await expect.poll(async () => value(await scrape(), 'outrigger_actor_handled_total', { actor: 'opsprobe' }), { timeout: 3000 }).toBeGreaterThanOrEqual(13);
  });

  it('shows circuit breaker state per backend in metrics and status', async () => {
    const port = await closedPort();
    const c = d.client();
    // Pooled actor with 2 workers: each worker has its own breaker; two concurrent calls reach both.
    await expect
      .poll(
        async () => {
          await Promise.all([1, 2].map(() => c.call('opsprobe.connect', { port }).catch(() => undefined)));
          const states = d.daemon.hosts.get('opsprobe')!.snapshot().workers.map((s) => s.stats?.breakers.find((b) => b.backend === 'probe-backend')?.state);
          return states.every((s) => s === 'open');
        },
        { timeout: 5000, interval: 50 },
      )
      .toBe(true);
    await expect(c.call('opsprobe.connect', { port })).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', data: { backend: 'probe-backend' } });
    const text = await scrape();
    expect(value(text, 'outrigger_circuit_breaker_state', { actor: 'opsprobe', worker: '0', backend: 'probe-backend' })).toBe(1);
    expect(sum(text, 'outrigger_circuit_breaker_opens_total', { backend: 'probe-backend' })).toBe(2);
    const ops = d.daemon.status().sections.ops as { breakers: { backend: string; state: string }[] };
    expect(ops.breakers.filter((b) => b.backend === 'probe-backend').map((b) => b.state)).toEqual(['open', 'open']);
  });

  it('declares feature metrics before any sample, then serves the sum over workers, monotonic across a worker crash', async () => {
    const first = parseProm(await scrape());
    for (const name of ['outrigger_kafka_produced_messages_total', 'outrigger_kafka_consumer_lag', 'outrigger_modbus_poll_duration_seconds', 'outrigger_es_documents_dead_lettered_total']) {
      expect(first.types.has(name), name).toBe(true);
    }
    const c = d.client({ pool: 4 });
    await Promise.all(Array.from({ length: 8 }, () => c.call('opsprobe.produce', { topic: 'orders', n: 5, lag: 7 })));
    await expect.poll(async () => value(await scrape(), 'outrigger_kafka_produced_messages_total', { connection: 'main', topic: 'orders' }), { timeout: 3000 }).toBe(40);
    let text = await scrape();
    // gauges combine by max across workers (the catalogue says so for lag)
    expect(value(text, 'outrigger_kafka_consumer_lag', { topic: 'orders', partition: '0' })).toBe(7);
    expect(value(text, 'outrigger_kafka_produce_duration_seconds_count', { connection: 'main' })).toBe(8);

    const restartsBefore = value(text, 'outrigger_actor_worker_restarts_total', { actor: 'opsprobe' })!;
    const handledBefore = value(text, 'outrigger_actor_handled_total', { actor: 'opsprobe' })!;
    await c.call('opsprobe.crash');
    await expect.poll(async () => value(await scrape(), 'outrigger_actor_worker_restarts_total', { actor: 'opsprobe' }), { timeout: 5000 }).toBe(restartsBefore + 1);
    await expect.poll(async () => value(await scrape(), 'outrigger_actor_workers', { actor: 'opsprobe', state: 'ready' }), { timeout: 10_000 }).toBe(2);
    await Promise.all(Array.from({ length: 4 }, () => c.call('opsprobe.produce', { topic: 'orders', n: 1 })));
    await expect.poll(async () => value(await scrape(), 'outrigger_kafka_produced_messages_total', { connection: 'main', topic: 'orders' }), { timeout: 3000 }).toBe(44);
    text = await scrape();
    expect(value(text, 'outrigger_actor_handled_total', { actor: 'opsprobe' })).toBeGreaterThanOrEqual(handledBefore);
  });
});
