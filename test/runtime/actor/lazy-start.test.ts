import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorHost } from '../../../runtime/actor/host.ts';
import { readiness } from '../../../runtime/metrics/probes.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

const states = (d: TestDaemon, actor: string): string[] => (d.daemon.hosts.get(actor) as ActorHost).slots.map((s) => s.state);
const threads = (d: TestDaemon, actor: string): number => (d.daemon.hosts.get(actor) as ActorHost).slots.filter((s) => s.worker).length;

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
    expect(states(d, 'faulty')).toEqual(['idle', 'idle']);
    expect(threads(d, 'faulty')).toBe(0);
    // the feature's own default (sys is lazy) is overridden by actors.sys.start
    expect(states(d, 'sys')).toEqual(['ready']);
    expect(states(d, 'modbus').every((s) => s === 'idle')).toBe(true);
    expect(readiness(d.daemon).reasons).toEqual([]);
  });

  it('start every worker on the first request, which waits for one and is answered', async () => {
    const c = d.client();
    expect(await c.call('faulty.sleep', { ms: 1 })).toBe('slept');
    expect(threads(d, 'faulty')).toBe(2);
    await expect.poll(() => states(d, 'faulty')).toEqual(['ready', 'ready']);
    const many = await Promise.all(Array.from({ length: 20 }, () => c.call('faulty.sleep', { ms: 1 })));
    expect(many).toEqual(Array(20).fill('slept'));
  });

  it("answer the requests of an actor whose create() fails with ACTOR_UNAVAILABLE and the reason, and keep the daemon serving", async () => {
    const c = d.client();
    await expect(c.call('failing.ping')).rejects.toMatchObject({
      code: 'ACTOR_UNAVAILABLE',
      message: expect.stringContaining('the resource this actor needs is missing'),
    });
    expect(await c.call('sys.ping')).toBe('pong');
    // It is retried with backoff like any lost worker, and reported as not ready while it fails.
    await expect.poll(() => readiness(d.daemon).reasons.join('\n'), { timeout: 5000 }).toContain("actor 'failing'");
  });
});
