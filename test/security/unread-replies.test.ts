// Bytes a client can make the daemon hold by sending requests faster than
// it reads the replies: requests in flight are bounded per connection
// (requests.maxInflightBytesPerConnection) and, with the replies such
// clients leave unread, across all connections (limits.maxInflightBytes);
// a client that takes none of its replies for writeTimeoutMs is closed.
// Clients that read their replies are slowed by these bounds, never closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, startDaemonProcess } from '../helpers/daemon-process.ts';
import { RawSocket, freePort, ipcFrame, metric, until } from './attacker.ts';

const MiB = 1024 * 1024;
const LIMIT = 8 * MiB;
const PER_CONNECTION = 2 * MiB;

/** `n` async sys.echo requests, each carrying a `size`-byte string. */
function echoes(n: number, size: number, from = 0): Buffer {
  const text = 'x'.repeat(size);
  return Buffer.concat(Array.from({ length: n }, (_, i) => ipcFrame(JSON.stringify({ id: String(from + i), method: 'sys.echo', params: text }))));
}

describe('bytes held for clients that do not read their replies', () => {
  let d: DaemonProcess;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    d = await startDaemonProcess({
      metrics: { http: { port: metricsPort } },
      limits: { maxInflightBytes: LIMIT },
      requests: { maxInflightBytesPerConnection: PER_CONNECTION },
      listeners: { ipc: { unix: { path: 'ipc.sock' }, readTimeoutMs: 4000, writeTimeoutMs: 1500 } },
    });
    expect(await d.client().call('sys.echo', 'warm')).toBe('warm'); // the sys worker is up
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('bounds what non-reading clients hold, serves others meanwhile, and closes them after writeTimeoutMs', async () => {
    // Six clients each send 48 MiB of requests and never read: 288 MiB of requests and as much in replies without the bounds.
    const hogs = Array.from({ length: 6 }, () => new RawSocket(d.ipcPath));
    await Promise.all(hogs.map((s) => s.connected()));
    for (const s of hogs) {
      s.socket.pause();
      s.write(echoes(192, 256 * 1024));
    }
    let peak = 0;
    const began = Date.now();
    while (Date.now() - began < 1500) {
      peak = Math.max(peak, (await metric(metricsPort, 'outrigger_inflight_bytes')) ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(peak).toBeGreaterThan(PER_CONNECTION);
    // Over the total by at most what one read per connection brings in (a chunk of requests already decoded).
    expect(peak).toBeLessThan(LIMIT + hogs.length * 512 * 1024);
    // A client that reads is answered while the hogs hold the total: it waits for room, it is not refused.
    const reader = d.client();
    expect(await reader.call('sys.echo', 'still served', { timeoutMs: 10_000 })).toBe('still served');
    await until(() => hogs.every((s) => s.closed), 10_000, 'the non-reading clients to be closed');
    expect(await metric(metricsPort, 'outrigger_connections_closed_total', { listener: 'ipc', reason: 'write_timeout' })).toBe(hogs.length);
    expect(await metric(metricsPort, 'outrigger_inflight_bytes')).toBe(0);
  }, 30_000);

  it('a client that reads its replies slowly, but reads, is not closed by the write timeout', async () => {
    const s = new RawSocket(d.ipcPath);
    await s.connected();
    s.socket.pause();
    // One reply of 2.5 MiB: seen as one write, it would look stalled until the client had read all of it.
    s.write(echoes(1, 2.5 * MiB));
    await new Promise((r) => setTimeout(r, 1000));
    // One read (at most 64 KiB) every 100 ms: ~4 s for the whole reply, longer than writeTimeoutMs (1.5 s), while a
    // piece of it (WRITE_PIECE_BYTES, 256 KiB) is taken every ~0.4 s.
    while (s.payloads.length < 1 && !s.closed) {
      s.socket.resume();
      await new Promise((r) => s.socket.once('data', r));
      s.socket.pause();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s.closed).toBe(false);
    expect(s.payloads).toHaveLength(1);
    expect(JSON.parse(s.payloads[0]!)).toEqual({ id: '0', result: 'x'.repeat(2.5 * MiB) });
    s.close();
  }, 30_000);

  it('pipelining clients that read every reply all finish, none closed by the read timeout while they wait for room', async () => {
    const clients = Array.from({ length: 4 }, () => new RawSocket(d.ipcPath));
    await Promise.all(clients.map((s) => s.connected()));
    // 4 x 12 MiB in flight at once would be 48 MiB: the bounds make them take turns.
    for (const s of clients) s.write(echoes(48, 256 * 1024));
    await Promise.all(clients.map((s) => s.waitFor(48, 20_000)));
    for (const s of clients) {
      expect(s.closed).toBe(false);
      expect(s.payloads).toHaveLength(48);
      for (const p of s.payloads) expect(JSON.parse(p)).toMatchObject({ result: expect.any(String) });
      s.close();
    }
  }, 30_000);
});
