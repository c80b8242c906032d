import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcClient } from '../../../clients/ts/ipc-client.ts';
import type { ActorHost } from '../../../runtime/actor/host.ts';
import { formatStatus } from '../../../runtime/cli/format-status.ts';
import { reloadFromSource } from '../../../runtime/daemon/config-reload.ts';
import type { ConfigInput } from '../../../index.ts';
import { actorsFromConfig } from '../../../runtime/daemon/load-actors.ts';
import { readiness } from '../../../runtime/metrics/probes.ts';
import { loadedTestConfig } from '../../helpers/config.ts';
import { type FileDaemon, startFileDaemon } from '../../helpers/config-file.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

type WithHosts = Pick<TestDaemon['daemon'], 'hosts'>;
const host = (d: WithHosts, actor: string): ActorHost => d.hosts.get(actor) as ActorHost;
const states = (d: WithHosts, actor: string): string[] => host(d, actor).slots.map((s) => s.state);
const threads = (d: WithHosts, actor: string): number => host(d, actor).slots.filter((s) => s.worker).length;

describe('which actors are lazy', () => {
  const lazy = (raw: object): Record<string, boolean> => Object.fromEntries(actorsFromConfig(loadedTestConfig(raw)).map((a) => [a.name, a.lazy]));

  it('the built-in sys and modbus, kafka when every connection uses the memory driver; your actors when configured so', () => {
    expect(lazy({ actors: { example: { module: './actors/example/counter.ts' } } })).toMatchObject({ sys: true, modbus: true, kafka: true, example: false });
    expect(lazy({ actors: { example: { module: './actors/example/counter.ts', start: 'lazy' }, sys: { start: 'eager' } } })).toMatchObject({ sys: false, example: true });
    const kafkajs = { kafka: { driver: 'memory', connections: { a: { brokers: ['127.0.0.1:9092'] }, b: { brokers: ['127.0.0.1:9092'], driver: 'kafkajs' } } } };
    expect(lazy(kafkajs)).toMatchObject({ kafka: false });
    expect(lazy({ ...kafkajs, actors: { kafka: { start: 'lazy' } } })).toMatchObject({ kafka: true });
  });
});

describe('lazily started actors', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({
      workers: { restartBackoffMs: { initial: 50, max: 200 } },
      actors: {
        faulty: { module: './test/fixtures/actors/faulty.ts', start: 'lazy', workers: 2 },
        failing: { module: './test/fixtures/actors/failing-create.ts', start: 'lazy' },
        sys: { start: 'eager' },
      },
    });
  });
  afterAll(() => d.stop());

  it('start no thread until their first request, and count as ready meanwhile', () => {
    expect(states(d.daemon, 'faulty')).toEqual(['idle', 'idle']);
    expect(threads(d.daemon, 'faulty')).toBe(0);
    // the feature's own default (sys is lazy) is overridden by actors.sys.start
    expect(states(d.daemon, 'sys')).toEqual(['ready']);
    expect(readiness(d.daemon).reasons).toEqual([]);
    expect(formatStatus(d.daemon.status())).toMatch(/faulty\s+pooled\s+0\/2 \(2 idle\)/);
  });

  it('start every worker on the first request, which waits for one and is answered; the daemon stays ready meanwhile', async () => {
    const c = d.client();
    const first = c.call('faulty.sleep', { ms: 1 });
    await expect.poll(() => states(d.daemon, 'faulty').includes('idle'), { interval: 5, timeout: 10_000 }).toBe(false);
    // In its first start (or already ready): not a reason for /readyz to fail.
    expect(readiness(d.daemon).reasons).toEqual([]);
    expect(await first).toBe('slept');
    expect(threads(d.daemon, 'faulty')).toBe(2);
    await expect.poll(() => states(d.daemon, 'faulty'), { timeout: 30_000 }).toEqual(['ready', 'ready']);
    const many = await Promise.all(Array.from({ length: 20 }, () => c.call('faulty.sleep', { ms: 1 })));
    expect(many).toEqual(Array(20).fill('slept'));
  });

  it('answer the requests of an actor whose create() fails with ACTOR_UNAVAILABLE and the reason, and keep the daemon serving', async () => {
    const c = d.client();
    await expect(c.call('failing.ping')).rejects.toMatchObject({
      code: 'ACTOR_UNAVAILABLE',
      message: expect.stringContaining("actor 'failing' failed to start: ") as unknown,
    });
    expect(await c.call('sys.ping')).toBe('pong');
    // It is retried with backoff like any lost worker, and reported as not ready while it fails.
    await expect.poll(() => readiness(d.daemon).reasons.join('\n'), { timeout: 5000 }).toContain("actor 'failing'");
    // After repeated failed starts requests are refused at once, still with the reason.
    await expect
      .poll(async () => (await c.call('failing.ping').catch((e: Error) => e.message)) as string, { timeout: 10_000, interval: 100 })
      .toMatch(/restarting after repeated failures: .*the resource this actor needs is missing/);
  });
});

describe('lazily started actors on hot reload', () => {
  const COUNTER = resolve('actors/example/counter.ts');
  const FAILING = resolve('test/fixtures/actors/failing-create.ts');
  let f: FileDaemon;
  let client: IpcClient;
  const base = (dir: string, actors: NonNullable<ConfigInput['actors']>, logLevel: ConfigInput['logLevel'] = 'silent'): ConfigInput => ({
    runDir: `${dir}/run`,
    logLevel,
    reload: { watch: false },
    metrics: { http: { port: 0 } },
    listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } },
    actors,
  });
  const reload = async (actors: NonNullable<ConfigInput['actors']>, logLevel?: ConfigInput['logLevel']): Promise<Awaited<ReturnType<typeof reloadFromSource>>> => {
    f.write(base(f.dir, actors, logLevel));
    return reloadFromSource(f.daemon, 'test');
  };

  beforeAll(async () => {
    f = await startFileDaemon((dir) => base(dir, { example: { module: COUNTER, start: 'lazy' } }));
    client = new IpcClient({ path: `${f.dir}/run/ipc.sock`, heartbeatMs: 0 });
  });
  afterAll(async () => {
    client.close();
    await f.stop();
  });

  it('keep an unchanged idle actor idle, and restart one whose start changes', async () => {
    expect((await reload({ example: { module: COUNTER, start: 'lazy' } }, 'warn')).ok).toBe(true);
    expect(states(f.daemon, 'example')).toEqual(['idle']);
    const r = await reload({ example: { module: COUNTER, start: 'eager' } });
    expect(r.changes.join('\n')).toMatch(/actor 'example' restarted/);
    expect(states(f.daemon, 'example')).toEqual(['ready']);
  });

  it('accept a new lazy actor whose create() fails (seen on its first request), where an eager one is rejected', async () => {
    const eager = await reload({ example: { module: COUNTER }, failing: { module: FAILING } });
    expect(eager.rejected).toMatch(/actor 'failing' failed to start/);
    const lazy = await reload({ example: { module: COUNTER }, failing: { module: FAILING, start: 'lazy' } });
    expect(lazy.ok).toBe(true);
    await expect(client.call('failing.ping')).rejects.toMatchObject({ code: 'ACTOR_UNAVAILABLE' });
    expect(await client.call('example.incr', { name: 'a' })).toMatchObject({ name: 'a', value: expect.any(Number) });
  });
});
