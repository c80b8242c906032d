import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { RawIpc } from '../../helpers/raw-ipc.ts';

const flood = (n: number, ms: number) =>
  Buffer.concat(
    Array.from({ length: n }, (_, i) =>
      RawIpc.frame(0x0101, 0x04, JSON.stringify({ id: i, method: 'slow.work', params: { ms } })),
    ),
  );

describe('backpressure', () => {
  let d: TestDaemon | null = null;
  afterEach(async () => {
    await d?.stop();
    d = null;
  });

  it('pause mode: stops reading a flooding client, keeps memory bounded, loses nothing', async () => {
    d = await startTestDaemon({
      requests: { maxInflightPerConnection: 100_000, overflow: 'pause' },
      actors: { slow: { module: './test/fixtures/actors/slow.ts', maxQueue: 200 } },
    });
    const total = 3000;
    const r = new RawIpc(d.ipcPath);
    r.send(flood(total, 0)); // ~180 KB in one go: far more than the queue bound
    const host = d.daemon.hosts.get('slow')!;
    let maxOutstanding = 0;
    let sawPaused = false;
    while (r.frames.length < total) {
      maxOutstanding = Math.max(maxOutstanding, host.outstanding);
      for (const l of d.daemon.listeners) for (const c of l.connections) if (c.paused) sawPaused = true;
      await new Promise((res) => setTimeout(res, 2));
    }
    expect(sawPaused).toBe(true);
    // bound + at most one socket read's worth of frames decoded before the pause
    expect(maxOutstanding).toBeLessThan(200 + 1200);
    expect(maxOutstanding).toBeLessThan(total / 2);
    expect(r.frames.every((f) => f.type === 0x05)).toBe(true);
    expect(new Set(r.frames.map((f) => (f.body as { id: number }).id)).size).toBe(total);
    r.close();
  });

  it('per-connection in-flight bound pauses the socket too', async () => {
    d = await startTestDaemon({
      requests: { maxInflightPerConnection: 50, overflow: 'pause' },
      actors: { slow: { module: './test/fixtures/actors/slow.ts' } },
    });
    const r = new RawIpc(d.ipcPath);
    r.send(flood(500, 1));
    let maxInflight = 0;
    while (r.frames.length < 500) {
      maxInflight = Math.max(maxInflight, d.daemon.router.inflight);
      await new Promise((res) => setTimeout(res, 2));
    }
    expect(maxInflight).toBeLessThan(50 + 600);
    expect(r.frames.every((f) => f.type === 0x05)).toBe(true);
    r.close();
  });

  it('reject mode: answers BUSY past the bound and every request gets exactly one answer', async () => {
    d = await startTestDaemon({
      requests: { maxInflightPerConnection: 100_000, overflow: 'reject' },
      actors: { slow: { module: './test/fixtures/actors/slow.ts', maxQueue: 100 } },
    });
    const total = 1000;
    const r = new RawIpc(d.ipcPath);
    r.send(flood(total, 1));
    await r.waitFor(total, 20_000);
    const busy = r.frames.filter((f) => (f.body as { error?: { code: string } }).error?.code === 'BUSY');
    const ok = r.frames.filter((f) => f.type === 0x05);
    expect(busy.length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThanOrEqual(100);
    expect(busy.length + ok.length).toBe(total);
    r.close();
  });

  it('a client that does not read its replies is paused instead of buffering without bound', async () => {
    d = await startTestDaemon({ actors: {} });
    const r = new RawIpc(d.ipcPath);
    r.socket.pause(); // never read
    const big = 'x'.repeat(8000);
    const frames = Buffer.concat(
      Array.from({ length: 2000 }, (_, i) =>
        RawIpc.frame(0x0101, 0x04, JSON.stringify({ id: i, method: 'sys.echo', params: big })),
      ),
    );
    r.send(frames); // 16 MB of requests whose replies are 16 MB
    await new Promise((res) => setTimeout(res, 1500));
    const conn = [...d.daemon.listeners[0]!.connections][0]!;
    expect(conn.paused).toBeGreaterThan(0);
    expect(d.daemon.router.stats.ok).toBeLessThan(2000);
    r.socket.resume();
    await r.waitFor(2000, 20_000);
    r.close();
  });
});
