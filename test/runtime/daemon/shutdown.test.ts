import { describe, expect, it } from 'vitest';
import { startTestDaemon } from '../../helpers/daemon.ts';

describe('graceful shutdown', () => {
  it('stops accepting, finishes in-flight work within the grace period, then reports it', async () => {
    const d = await startTestDaemon({ actors: { faulty: { module: './test/fixtures/actors/faulty.ts' } } });
    const c = d.client();
    const inflight = Array.from({ length: 50 }, () => c.call('faulty.sleep', { ms: 300 }));
    await new Promise((r) => setTimeout(r, 50));
    const report = d.daemon.stop('test', 5000);
    await new Promise((r) => setTimeout(r, 20));
    await expect(c.call('sys.ping')).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(await Promise.all(inflight)).toEqual(Array(50).fill('slept'));
    expect(await report).toMatchObject({ inflightAtStart: 50, drained: 50, abandoned: 0 });
    await d.stop();
  });

  it('answers what is still running at the grace deadline and reports it abandoned', async () => {
    const d = await startTestDaemon({ actors: { faulty: { module: './test/fixtures/actors/faulty.ts' } } });
    const c = d.client();
    const stuck = c.call('faulty.sleep', { ms: 60_000 }).then(
      () => 'ok',
      (e: { code: string }) => e.code,
    );
    await new Promise((r) => setTimeout(r, 50));
    const report = await d.daemon.stop('test', 300);
    expect(report).toMatchObject({ inflightAtStart: 1, drained: 0, abandoned: 1 });
    expect(['SHUTTING_DOWN', 'CONNECTION_CLOSED']).toContain(await stuck);
    await d.daemon.stopped;
    await d.stop();
  });
});
