import { describe, expect, it } from 'vitest';
import { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { startTestDaemon } from '../../helpers/daemon.ts';

describe('TypeScript IPC client', () => {
  it('spreads calls over its pool, times out per call, and heartbeats', async () => {
    const d = await startTestDaemon({ actors: { faulty: { module: './test/fixtures/actors/faulty.ts' } } });
    const c = new IpcClient({ path: d.ipcPath, pool: 3, heartbeatMs: 0 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => c.call('sys.echo', i)));
    const conns = [...d.daemon.listeners.find((l) => l.name === 'ipc')!.connections];
    expect(conns).toHaveLength(3);
    await expect(c.call('faulty.sleep', { ms: 500 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(c.inflight).toBe(0);
    await c.ping();
    // the late reply of the timed-out call is ignored; the connection keeps working
    await new Promise((r) => setTimeout(r, 500));
    expect(await c.call('sys.ping')).toBe('pong');
    c.close();
    await d.stop();
  });

  it('fails in-flight calls with CONNECTION_CLOSED and reconnects on the next call', async () => {
    const d = await startTestDaemon({ actors: { faulty: { module: './test/fixtures/actors/faulty.ts' } } });
    const c = new IpcClient({ path: d.ipcPath, heartbeatMs: 0 });
    expect(await c.call('sys.ping')).toBe('pong');
    const pending = c.call('faulty.sleep', { ms: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    for (const l of d.daemon.listeners) for (const conn of l.connections) conn.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(await c.call('sys.ping')).toBe('pong');
    expect(c.connects).toBe(2);
    c.close();
    await d.stop();
  });

  it('reports an unreachable daemon as CONNECTION_CLOSED', async () => {
    const c = new IpcClient({ path: '/tmp/outrigger-nowhere.sock', heartbeatMs: 0 });
    await expect(c.call('sys.ping')).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    c.close();
  });

  it('closes a connection that stops answering heartbeats', async () => {
    const d = await startTestDaemon({});
    const c = new IpcClient({ path: d.ipcPath, heartbeatMs: 100 });
    expect(await c.call('sys.ping')).toBe('pong');
    for (const l of d.daemon.listeners) for (const conn of l.connections) conn.socket.pause();
    // no reads on the server side: heartbeats go unanswered, the client drops the socket
    await new Promise((r) => setTimeout(r, 1600));
    for (const l of d.daemon.listeners) for (const conn of l.connections) conn.socket.resume();
    expect(c.connects).toBe(1);
    expect(await c.call('sys.ping')).toBe('pong');
    expect(c.connects).toBe(2); // the silent connection was dropped and replaced
    c.close();
    await d.stop();
  });
});
