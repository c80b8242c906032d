// Memory and connections a client can hold: a partial frame must complete
// within the read timeout, all connections together hold at most
// limits.maxBufferedBytes of partial frames, idle connections are closed,
// connections are capped across listeners, and no reply is larger than
// requests.maxReplyBytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, startDaemonProcess } from '../helpers/daemon-process.ts';
import { RawSocket, freePort, metric, until } from './attacker.ts';

const MiB = 1024 * 1024;

/** A frame header declaring `len` bytes of payload, then `send` of them. */
const partial = (len: number, send: number): Buffer => {
  const h = Buffer.alloc(7);
  h.writeUInt16BE(0x0101, 0);
  h[2] = 0x04;
  h.writeUInt32BE(len, 3);
  return Buffer.concat([h, Buffer.alloc(send, 0x20)]);
};

describe('bytes and connections held by clients', () => {
  let d: DaemonProcess;
  let metricsPort: number;
  let tcpPort: number;

  beforeAll(async () => {
    [metricsPort, tcpPort] = [await freePort(), await freePort()];
    d = await startDaemonProcess({
      metrics: { http: { port: metricsPort } },
      limits: { maxBufferedBytes: 1 * MiB, maxConnections: 12 },
      requests: { maxReplyBytes: 256 * 1024 },
      listeners: {
        ipc: { unix: { path: 'ipc.sock' }, tcp: { host: '127.0.0.1', port: tcpPort }, readTimeoutMs: 1500, idleTimeoutMs: 2500 },
      },
    });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('closes a connection whose frame does not complete within the read timeout', async () => {
    const s = new RawSocket(d.ipcPath);
    await s.connected();
    s.write(partial(MiB, 1000));
    const began = Date.now();
    await s.waitClosed(10_000);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
  });

  it('stops reading slow senders once the partial frames of all connections reach limits.maxBufferedBytes', async () => {
    const senders = Array.from({ length: 6 }, () => new RawSocket(d.ipcPath));
    await Promise.all(senders.map((s) => s.connected()));
    // Each declares 4 MiB and sends 600 KiB: 3.6 MiB would be held without the budget.
    for (const s of senders) s.write(partial(4 * MiB, 600 * 1024));
    await new Promise((r) => setTimeout(r, 500));
    const held = (await metric(metricsPort, 'outrigger_buffered_bytes'))!;
    expect(held).toBeGreaterThan(0.5 * MiB);
    // Over the cap by at most one read per paused connection.
    expect(held).toBeLessThan(1 * MiB + senders.length * 64 * 1024 + 1);
    // Meanwhile a client with whole frames is served.
    expect(await d.client().call('sys.ping')).toBe('pong');
    // The read timeout closes the stalled senders and releases what they held.
    await until(() => senders.every((s) => s.closed), 10_000, 'the stalled senders to be closed');
    expect(await metric(metricsPort, 'outrigger_buffered_bytes')).toBe(0);
  });

  it('answers REPLY_TOO_LARGE instead of a result larger than requests.maxReplyBytes, and the connection goes on', async () => {
    const c = d.client();
    const small = 'x'.repeat(200 * 1024);
    expect(await c.call('sys.echo', small)).toBe(small);
    const err = await c.call('sys.echo', 'x'.repeat(300 * 1024)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REPLY_TOO_LARGE', data: { limit: 256 * 1024 } });
    expect(await c.call('sys.ping')).toBe('pong');
    expect(await metric(metricsPort, 'outrigger_requests_total', { method: 'sys.echo', outcome: 'REPLY_TOO_LARGE' })).toBe(1);
    await until(() => /"method":"sys.echo".*requests.maxReplyBytes was dropped/.test(d.output()), 5000, 'the warning naming the method');
    c.close();
  });

  it('closes an idle connection after idleTimeoutMs', async () => {
    const s = new RawSocket(tcpPort);
    await s.connected();
    await s.waitClosed(10_000);
  });

  it('refuses connections beyond limits.maxConnections across listeners', async () => {
    const held = Array.from({ length: 14 }, (_, i) => new RawSocket(i % 2 ? tcpPort : d.ipcPath));
    await new Promise((r) => setTimeout(r, 500));
    const open = held.filter((s) => !s.closed).length;
    // 12 in all: the earlier tests' client connection may still hold one of them.
    expect(open).toBeGreaterThanOrEqual(11);
    expect(open).toBeLessThanOrEqual(12);
    for (const s of held) s.close();
  });
});
