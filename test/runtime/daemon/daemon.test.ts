import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

describe('daemon end to end over binary IPC', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({
      listeners: { ipc: { unix: { path: 'ipc.sock' }, tcp: { host: '127.0.0.1', port: 0 } } },
      actors: { example: { module: './actors/example/counter.ts', workers: 2 } },
    });
  });
  afterAll(() => d.stop());

  it('answers sys.ping and sys.echo through the worker hop', async () => {
    const c = d.client();
    expect(await c.call('sys.ping')).toBe('pong');
    expect(await c.call('sys.echo', { a: [1, 'x'], b: null })).toEqual({ a: [1, 'x'], b: null });
    expect(await c.call('sys.echo', 'plain', { sync: true })).toBe('plain');
  });

  it('serves the same protocol over TCP', async () => {
    const port = d.daemon.listeners.find((l) => l.name === 'ipc')!.tcpPort!;
    const c = d.client({ path: undefined, host: '127.0.0.1', port, pool: 2 });
    expect(await c.call('sys.echo', { over: 'tcp' })).toEqual({ over: 'tcp' });
    expect(await c.call('sys.ping', undefined, { sync: true })).toBe('pong');
  });

  it('routes every request for one pinned key to the same worker', async () => {
    const c = d.client({ pool: 4 });
    const replies = (await Promise.all(
      Array.from({ length: 40 }, (_, i) => c.call('example.incr', { name: `k${i % 4}` })),
    )) as { name: string; value: number; worker: number }[];
    const workerOf = new Map<string, Set<number>>();
    for (const r of replies) {
      if (!workerOf.has(r.name)) workerOf.set(r.name, new Set());
      workerOf.get(r.name)!.add(r.worker);
    }
    for (const set of workerOf.values()) expect(set.size).toBe(1);
    const finals = (await Promise.all(['k0', 'k1', 'k2', 'k3'].map((name) => c.call('example.get', { name })))) as {
      value: number;
    }[];
    expect(finals.map((f) => f.value)).toEqual([10, 10, 10, 10]);
    // four keys over two workers: both are used
    expect(new Set(replies.map((r) => r.worker)).size).toBe(2);
  });

  it('reads the pin key from the top-level member only, and lets pinKey refuse a body without one', async () => {
    const c = d.client({ pool: 2 });
    const key = 'k\u00e9"q';
    const first = (await c.call('example.incr', { meta: { name: 'decoy' }, name: key })) as { name: string; worker: number };
    expect(first.name).toBe(key);
    for (let i = 0; i < 6; i++) expect(((await c.call('example.incr', { name: key })) as { worker: number }).worker).toBe(first.worker);
    expect(((await c.call('example.get', { name: key })) as { value: number }).value).toBe(7);
    await expect(c.call('example.incr', { meta: { name: 'decoy' } })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(c.call('example.incr', { name: 5 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('reports sys.stats from the main thread', async () => {
    const stats = (await d.client().call('sys.stats')) as { actors: { name: string }[]; requests: { total: number } };
    expect(stats.actors.map((a) => a.name)).toEqual(['sys', 'kafka', 'modbus', 'example']);
    expect(stats.requests.total).toBeGreaterThan(0);
  });
});
