// Security defaults of the transport: loopback bind, socket mode, CIDR
// allow-list, connection limit, and a stop that does not wait for clients.
import { statSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

function connectAndWaitClose(port: number): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      resolve('open');
    }, 500);
    s.on('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
    s.on('error', () => {});
  });
}

describe('listener security defaults', () => {
  let d: TestDaemon | null = null;
  afterEach(async () => {
    await d?.stop();
    d = null;
  });

  it('binds TCP on 127.0.0.1 by default and makes the unix socket 0660', async () => {
    d = await startTestDaemon({ listeners: { ipc: { unix: { path: 'ipc.sock' }, tcp: { port: 0 } } } });
    const ipc = d.daemon.listeners.find((l) => l.name === 'ipc')!;
    expect(ipc.bound.find((b) => b.startsWith('tcp://'))).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(statSync(d.ipcPath).mode & 0o777).toBe(0o660);
    const control = d.daemon.listeners.find((l) => l.name === 'control')!;
    expect(statSync(control.spec.unix!.path).mode & 0o777).toBe(0o600);
  });

  it('applies a configured unix socket mode', async () => {
    d = await startTestDaemon({ listeners: { ipc: { unix: { path: 'ipc.sock', mode: 0o600 } } } });
    expect(statSync(d.ipcPath).mode & 0o777).toBe(0o600);
  });

  it('refuses TCP clients outside the CIDR allow-list and counts them', async () => {
    d = await startTestDaemon({ listeners: { ipc: { unix: { path: 'ipc.sock' }, tcp: { port: 0 }, allow: ['10.0.0.0/8'] } } });
    const ipc = d.daemon.listeners.find((l) => l.name === 'ipc')!;
    expect(await connectAndWaitClose(ipc.tcpPort!)).toBe('closed');
    expect(ipc.refusedTotal).toBe(1);
    expect(ipc.accepted).toBe(0);
    // unix clients are not subject to the TCP allow-list
    expect(await d.client().call('sys.ping')).toBe('pong');
  });

  it('admits TCP clients inside the allow-list', async () => {
    d = await startTestDaemon({ listeners: { ipc: { unix: { path: 'ipc.sock' }, tcp: { port: 0 }, allow: ['127.0.0.0/8', '::1'] } } });
    const port = d.daemon.listeners.find((l) => l.name === 'ipc')!.tcpPort!;
    const c = new IpcClient({ host: '127.0.0.1', port, heartbeatMs: 0 });
    try {
      expect(await c.call('sys.ping')).toBe('pong');
    } finally {
      c.close();
    }
  });

  it('refuses connections beyond maxConnections without touching the open ones', async () => {
    d = await startTestDaemon({ listeners: { ipc: { unix: { path: 'ipc.sock' }, tcp: { port: 0 }, maxConnections: 2 } } });
    const ipc = d.daemon.listeners.find((l) => l.name === 'ipc')!;
    const a = new IpcClient({ host: '127.0.0.1', port: ipc.tcpPort!, heartbeatMs: 0 });
    const b = new IpcClient({ host: '127.0.0.1', port: ipc.tcpPort!, heartbeatMs: 0 });
    try {
      expect(await a.call('sys.ping')).toBe('pong');
      expect(await b.call('sys.ping')).toBe('pong');
      expect(await connectAndWaitClose(ipc.tcpPort!)).toBe('closed');
      expect(ipc.refusedTotal).toBe(1);
      expect(await a.call('sys.echo', 'still here')).toBe('still here');
    } finally {
      a.close();
      b.close();
    }
  });

  it('stops accepting at once even while a client keeps its connection open', async () => {
    d = await startTestDaemon({ listeners: { ipc: { unix: { path: 'ipc.sock' }, tcp: { port: 0 } } } });
    const ipc = d.daemon.listeners.find((l) => l.name === 'ipc')!;
    const c = new IpcClient({ host: '127.0.0.1', port: ipc.tcpPort!, heartbeatMs: 0 });
    try {
      expect(await c.call('sys.ping')).toBe('pong');
      const t0 = Date.now();
      await ipc.stopAccepting();
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(await c.call('sys.ping')).toBe('pong');
    } finally {
      c.close();
    }
  });
});
