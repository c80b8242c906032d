import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { parseProm } from '../../helpers/prom.ts';

describe('ops HTTP endpoint', () => {
  let d: TestDaemon;
  let url: string;
  beforeAll(async () => {
    d = await startTestDaemon({ actors: { opsprobe: { module: './test/fixtures/actors/opsprobe.ts' } } });
    url = (d.daemon.status().sections.ops as { metricsUrl: string }).metricsUrl;
  });
  afterAll(() => d.stop());

  it('binds loopback by default', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves Prometheus text that parses, with process and event-loop metrics', async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const { types } = parseProm(await res.text());
    for (const name of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'outrigger_info', 'outrigger_ready']) {
      expect(types.has(name), name).toBe(true);
    }
  });

  it('answers /healthz live and /readyz ready once everything is bound and actors have workers', async () => {
    const live = await fetch(`${url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok', state: 'running' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', reasons: [] });
  });

  it('refuses other paths and methods', async () => {
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST', body: 'x'.repeat(100_000) })).status).toBe(405);
  });

  it('is not ready while an actor has no worker, and while draining (but stays live)', async () => {
    // crash the only worker: not ready until it is back, and the 503 says why
    await d.client().call('opsprobe.crash');
    let notReady: { reasons: string[] } | null = null;
    await expect
      .poll(
        async () => {
          const r = await fetch(`${url}/readyz`);
          if (r.status === 503) notReady = (await r.json()) as { reasons: string[] };
          return r.status;
        },
        { timeout: 5000, interval: 5 },
      )
      .toBe(503);
    expect(notReady!.reasons.join()).toContain("actor 'opsprobe' has no ready worker");
    await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 10_000 }).toBe(200);

    d.daemon.router.startDraining();
    const draining = await fetch(`${url}/readyz`);
    expect(draining.status).toBe(503);
    expect(((await draining.json()) as { reasons: string[] }).reasons[0]).toMatch(/^draining/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
