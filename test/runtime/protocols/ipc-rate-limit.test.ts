import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { value } from '../../helpers/prom.ts';

describe('per-connection rate limit on the IPC listener', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ listeners: { ipc: { unix: { path: 'ipc.sock' }, rateLimit: { perSecond: 5, burst: 10 } } } });
  });
  afterAll(() => d.stop());

  it('answers RATE_LIMITED past the burst, per connection, and keeps the connection usable', async () => {
    const c = d.client();
    const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => c.call('sys.echo', i)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const limited = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { code: string; data: { retryInMs: number } });
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(ok.length).toBeLessThan(25);
    expect(limited.every((e) => e.code === 'RATE_LIMITED' && e.data.retryInMs > 0)).toBe(true);
    // a second connection has its own bucket
    expect(await d.client().call('sys.ping')).toBe('pong');
    // after a pause the first connection is served again
    await new Promise((r) => setTimeout(r, 400));
    expect(await c.call('sys.ping')).toBe('pong');
    const url = (d.daemon.status().sections.ops as { metricsUrl: string; rateLimited: Record<string, number> });
    expect(url.rateLimited.ipc).toBe(limited.length);
    const text = await (await fetch(`${url.metricsUrl}/metrics`)).text();
    expect(value(text, 'outrigger_rate_limited_total', { listener: 'ipc' })).toBe(limited.length);
  });
});
