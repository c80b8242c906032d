import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stuckThreads } from '../../../runtime/actor/worker-slot.ts';
import type { ActorHost } from '../../../runtime/actor/host.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);

describe('actor supervision', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({
      workers: { heartbeatMs: 100, hangTimeoutMs: 600, restartBackoffMs: { initial: 50, max: 200 } },
      actors: { faulty: { module: './test/fixtures/actors/faulty.ts' } },
    });
  });
  afterAll(() => d.stop());

  it('keeps codes and data of actor errors across the worker boundary', async () => {
    const c = d.client();
    await expect(c.call('faulty.fail')).rejects.toMatchObject({ code: 'CUSTOM_FAILURE', data: { detail: 42 } });
    await expect(c.call('faulty.boom')).rejects.toMatchObject({ code: 'ACTOR_ERROR', message: 'plain error' });
  });

  it('answers every in-flight request of a crashed worker at once and restarts it', async () => {
    const c = d.client();
    const slow = Array.from({ length: 10 }, () => codeOf(c.call('faulty.sleep', { ms: 5000 })));
    const other = c.call('sys.ping');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const crash = codeOf(c.call('faulty.crash'));
    expect(await Promise.all([...slow, crash])).toEqual(Array(11).fill('WORKER_CRASHED'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await other).toBe('pong'); // another actor carried on
    // replaced with backoff, then serves again
    let answer = '';
    for (let i = 0; i < 50 && answer !== 'ok'; i++) {
      answer = await codeOf(c.call('faulty.sleep', { ms: 1 }));
      if (answer !== 'ok') await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toBe('ok');
    expect(d.daemon.hosts.get('faulty')!.restartsTotal).toBeGreaterThanOrEqual(1);
  });

  it('replaces a hung worker and answers its requests with WORKER_HUNG', async () => {
    const c = d.client();
    const hung = codeOf(c.call('faulty.hang', { ms: 20_000 }));
    const queued = codeOf(c.call('faulty.sleep', { ms: 1 }));
    expect(await hung).toBe('WORKER_HUNG');
    expect(await queued).toBe('WORKER_HUNG');
    let answer = '';
    for (let i = 0; i < 50 && answer !== 'ok'; i++) {
      answer = await codeOf(c.call('faulty.sleep', { ms: 1 }));
      if (answer !== 'ok') await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toBe('ok');
  });

  it('replaces a worker stuck in a blocking system call without waiting for its thread', async () => {
    const c = d.client();
    const fifo = join(d.runDir, 'wedge.fifo');
    execFileSync('mkfifo', [fifo]);
    const wedged = codeOf(c.call('faulty.wedge', { fifo }));
    const queued = codeOf(c.call('faulty.sleep', { ms: 1 }));
    expect(await wedged).toBe('WORKER_HUNG');
    expect(await queued).toBe('WORKER_HUNG');
    expect(stuckThreads.count).toBe(1);
    let answer = '';
    for (let i = 0; i < 50 && answer !== 'ok'; i++) {
      answer = await codeOf(c.call('faulty.sleep', { ms: 1 }));
      if (answer !== 'ok') await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toBe('ok');
    // Release the stuck thread (a writer makes its open() return) so this process can exit.
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    await expect.poll(() => stuckThreads.count, { timeout: 5000 }).toBe(0);
  });

  it('times requests out with TIMEOUT and tells the worker to abandon them', async () => {
    const c = d.client();
    const host = d.daemon.hosts.get('faulty') as ActorHost;
    const started = Date.now();
    await expect(c.call('faulty.sleep', { ms: 400 }, { serverTimeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(350);
    expect(host.outstanding).toBe(0);
    // the worker hears about the cancellation and reports the abandoned handler
    await new Promise((r) => setTimeout(r, 600));
    const abandoned = host.slots.reduce((n, s) => n + (s.stats?.abandoned ?? 0) + (s.stats?.lateResults ?? 0), 0);
    expect(abandoned).toBeGreaterThanOrEqual(1);
    expect(d.daemon.router.stats.timeouts).toBeGreaterThanOrEqual(1);
  });
});
