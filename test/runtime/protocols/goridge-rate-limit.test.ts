import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoridgeClient } from '../../../clients/ts/goridge-client.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

describe('per-connection rate limit on the Goridge listener', () => {
  let d: TestDaemon;
  let address: string;
  beforeAll(async () => {
    d = await startTestDaemon(
      { listeners: { goridge: { tcp: { host: '127.0.0.1', port: 0 }, rateLimit: { perSecond: 5, burst: 10 } } } },
    );
    address = `tcp://127.0.0.1:${d.daemon.listeners.find((l) => l.name === 'goridge')!.tcpPort}`;
  });
  afterAll(() => d.stop());

  it('answers RATE_LIMITED error frames past the burst and keeps the connection', async () => {
    const c = new GoridgeClient({ address });
    await c.connected();
    const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
    const replies = await Promise.all(Array.from({ length: 25 }, (_, i) => c.call('Sys.Echo', json(i))));
    const ok = replies.filter((r) => !r.isError).length;
    const errors = replies.filter((r) => r.isError).map((r) => r.body.toString());
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThan(25);
    expect(errors.every((e) => e.startsWith('RATE_LIMITED: '))).toBe(true);
    const retry = replies.find((r) => r.isError)!.error!.data as { retryInMs: number };
    expect(retry.retryInMs).toBeGreaterThan(0); // the error's data travels too
    const other = new GoridgeClient({ address });
    await other.connected();
    expect((await other.call('Sys.Ping', json(null))).body.toString()).toBe('"pong"');
    await new Promise((r) => setTimeout(r, 400));
    expect((await c.call('Sys.Ping', json(null))).body.toString()).toBe('"pong"');
    c.close();
    other.close();
  });
});
