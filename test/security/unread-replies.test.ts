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

/** A daemon with small byte bounds and the given IPC timeouts, its sys worker up; its metrics port. */
async function startBounded(timeouts: { readTimeoutMs: number; writeTimeoutMs: number }): Promise<{ d: DaemonProcess; metricsPort: number }> {
  const metricsPort = await freePort();
  const d = await startDaemonProcess({
    metrics: { http: { port: metricsPort } },
    limits: { maxInflightBytes: LIMIT },
    requests: { maxInflightBytesPerConnection: PER_CONNECTION },
    listeners: { ipc: { unix: { path: 'ipc.sock' }, ...timeouts } },
  });
  expect(await d.client().call('sys.echo', 'warm')).toBe('warm');
  return { d, metricsPort };
}

describe('bytes held for clients that do not read their replies', () => {
  let d: DaemonProcess;
  let metricsPort: number;

  beforeAll(async () => {
    ({ d, metricsPort } = await startBounded({ readTimeoutMs: 4000, writeTimeoutMs: 1500 }));
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
    // At least 1.5 s, and until anything is held (a loaded machine reads the hogs more slowly).
    while (Date.now() - began < 1500 || (peak === 0 && Date.now() - began < 15_000)) {
      peak = Math.max(peak, (await metric(metricsPort, 'outrigger_inflight_bytes')) ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    // How much builds up depends on how fast the daemon reads against how fast replies block each socket; the bound
    // is what is tested.
    expect(peak).toBeGreaterThan(0);
    // Over the total by at most what one read per connection brings in (a chunk of requests already decoded).
    expect(peak).toBeLessThan(LIMIT + hogs.length * 512 * 1024);
    // A client that reads is answered while the hogs hold the total: it waits for room, it is not refused.
    const reader = d.client();
    expect(await reader.call('sys.echo', 'still served', { timeoutMs: 10_000 })).toBe('still served');
    await until(() => hogs.every((s) => s.closed), 10_000, 'the non-reading clients to be closed');
    const closedBy = async (reason: string) => (await metric(metricsPort, 'outrigger_connections_closed_total', { listener: 'ipc', reason }))!;
    // On a loaded machine a hog may still have a frame cut in two and no reply yet: the read timeout's case.
    expect(await closedBy('write_timeout')).toBeGreaterThanOrEqual(1);
    expect((await closedBy('write_timeout')) + (await closedBy('read_timeout'))).toBe(hogs.length);
    expect(await metric(metricsPort, 'outrigger_inflight_bytes')).toBe(0);
  }, 30_000);

  it('a client that reads its replies slowly, but reads, is closed by neither the write nor the read timeout', async () => {
    const s = new RawSocket(d.ipcPath);
    await s.connected();
    s.socket.pause();
    // One reply of 2.5 MiB: seen as one write, it would look stalled until the client had read all of it. Three more
    // requests behind it go past the connection's 2 MiB in flight, so reading pauses with a frame cut in two.
    s.write(Buffer.concat([echoes(1, 2.5 * MiB), echoes(3, MiB, 1)]));
    await new Promise((r) => setTimeout(r, 1000));
    // One read (at most 64 KiB) every 100 ms: ~9 s for the 5.5 MiB of replies, longer than writeTimeoutMs (1.5 s) and
    // readTimeoutMs (4 s), while a piece of them (WRITE_PIECE_BYTES, 256 KiB) is taken every ~0.4 s.
    while (s.payloads.length < 4 && !s.closed) {
      s.socket.resume();
      await new Promise((r) => s.socket.once('data', r));
      s.socket.pause();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s.closed).toBe(false);
    expect(s.payloads).toHaveLength(4);
    expect(JSON.parse(s.payloads[0]!)).toEqual({ id: '0', result: 'x'.repeat(2.5 * MiB) });
    s.close();
  }, 30_000);

  it('a client pipelining without pause, its reads seldom ending on a frame boundary, is not cut off by the read timeout', async () => {
    const s = new RawSocket(d.ipcPath);
    await s.connected();
    const frame = echoes(1, 1024 * 1024);
    let pending = Buffer.alloc(0);
    let sent = 0;
    const until = Date.now() + 6000; // longer than readTimeoutMs (4 s)
    // A buffered writer: 64 KiB writes, a frame's tail going out with the next frame's head.
    const top = (): void => {
      while (Date.now() < until && sent - s.payloads.length < 8) {
        pending = Buffer.concat([pending, frame]);
        sent++;
        while (pending.length >= 64 * 1024) {
          s.write(pending.subarray(0, 64 * 1024));
          pending = pending.subarray(64 * 1024);
        }
      }
      if (Date.now() >= until && pending.length > 0) {
        s.write(pending);
        pending = Buffer.alloc(0);
      }
    };
    s.socket.on('data', () => setImmediate(top));
    top();
    while (!s.closed && (Date.now() < until || s.payloads.length < sent)) await new Promise((r) => setTimeout(r, 100));
    expect(s.closed).toBe(false);
    expect(s.payloads).toHaveLength(sent);
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

describe('clients that take a reply now and then, never stalling for the write timeout', () => {
  let d: DaemonProcess;
  let metricsPort: number;

  beforeAll(async () => {
    // Neither timeout can free the budget here: only closing the heaviest holder can.
    ({ d, metricsPort } = await startBounded({ readTimeoutMs: 60_000, writeTimeoutMs: 60_000 }));
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('closes the connection holding the most once the total has stayed over limits.maxInflightBytes, while the pressure lasts', async () => {
    const hogs = Array.from({ length: 32 }, () => new RawSocket(d.ipcPath));
    await Promise.all(hogs.map((s) => s.connected()));
    for (const s of hogs) {
      s.socket.pause();
      s.write(echoes(24, 256 * 1024));
    }
    // A client that pipelines and reads, started at once: while it waits for room, the pressure lasts.
    const reader = new RawSocket(d.ipcPath);
    await reader.connected();
    const heldNow = async () => (await metric(metricsPort, 'outrigger_inflight_bytes')) ?? 0;
    const filling = Date.now();
    while ((await heldNow()) <= LIMIT && Date.now() - filling < 15_000) await new Promise((r) => setTimeout(r, 100));
    expect(await heldNow()).toBeGreaterThan(LIMIT * 0.75);
    reader.write(echoes(8, 256 * 1024));
    const pressed = Date.now();
    const evictedCount = async () => (await metric(metricsPort, 'outrigger_connections_closed_total', { listener: 'ipc', reason: 'memory' }))!;
    // HELD_EVICT_AFTER_MS (5 s) of pressure, then one connection per sweep (1 s) until the total is back under 75 %.
    while ((await evictedCount()) === 0 && Date.now() - pressed < 30_000) await new Promise((r) => setTimeout(r, 200));
    expect(Date.now() - pressed).toBeGreaterThan(2500);
    // The pressure ends once the total is under the limit with no connection waiting (or under 75 %).
    while ((await heldNow()) > LIMIT && Date.now() - pressed < 40_000) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await metric(metricsPort, 'outrigger_inflight_bytes')).toBeLessThanOrEqual(LIMIT);
    const evicted = await evictedCount();
    expect(evicted).toBeGreaterThanOrEqual(1);
    expect(evicted).toBeLessThan(hogs.length);
    await until(() => hogs.filter((s) => s.closed).length === evicted, 5000, 'the evicted hogs to see their connections closed');
    // The pipelining client is served.
    expect(await reader.waitFor(8, 30_000)).toHaveLength(8);
    reader.close();
    for (const s of hogs) s.close();
  }, 90_000);
});
