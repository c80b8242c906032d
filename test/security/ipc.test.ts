// Binary IPC input a client can abuse: sync replies held for ordering count
// in flight, a connection that keeps sending malformed frames is closed, a
// client's timeout is clamped below what Node's timers take, an id that is
// not valid JSON is never echoed, and broken connections do not flood the log.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, startDaemonProcess } from '../helpers/daemon-process.ts';
import { RawSocket, fixture, ipcFrame, until } from './attacker.ts';

const SYNC = 0x01;

describe('binary IPC abuse', () => {
  let d: DaemonProcess;

  beforeAll(async () => {
    d = await startDaemonProcess({
      logLevel: 'warn',
      metrics: { http: { port: 0 } },
      requests: { overflow: 'reject', maxInflightPerConnection: 4 },
      actors: { slow: { module: fixture('slow.ts') } },
    });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('counts error replies held behind a pending sync request in flight', async () => {
    const s = new RawSocket(d.ipcPath);
    await s.connected();
    // Long enough that the ping is read while the slow call is still running, on a loaded box too (at 1.5 s it
    // once was not, in a full suite).
    s.write(ipcFrame(JSON.stringify({ id: 1, method: 'slow.work', params: { ms: 4000 } }), SYNC, 0x0100));
    for (let i = 0; i < 4; i++) s.write(ipcFrame('{broken', SYNC, 0x0100));
    s.write(ipcFrame(JSON.stringify({ id: 2, method: 'sys.ping' }), SYNC, 0x0100));
    const replies = (await s.waitFor(6)).map((p) => JSON.parse(p) as { id: unknown; error?: { code: string } });
    // In order: the slow call, the four malformed frames, then the ping, refused: five replies were held.
    expect(replies.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'MALFORMED_JSON', 'MALFORMED_JSON', 'MALFORMED_JSON', 'MALFORMED_JSON', 'BUSY']);
    s.close();
  });

  it('closes a connection after maxConsecutiveErrors malformed frames, answering at most that many', async () => {
    const s = new RawSocket(d.ipcPath);
    await s.connected();
    const flood = Buffer.concat(Array.from({ length: 500 }, () => ipcFrame('{"method":')));
    s.write(flood);
    await s.waitClosed(10_000);
    expect(s.payloads.length).toBeLessThanOrEqual(16);
    expect(await d.client().call('sys.ping')).toBe('pong');
  });

  it('frees the slot of a connection it ended whose client never closes its side (half-open)', async () => {
    const stats = d.client();
    const open = async (): Promise<number> => {
      const st = (await stats.call('sys.stats')) as { listeners: { name: string; connections: number }[] };
      return st.listeners.find((l) => l.name === 'ipc')!.connections;
    };
    const before = await open();
    const held: net.Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const s = net.connect({ path: d.ipcPath, allowHalfOpen: true });
      s.on('error', () => {});
      s.on('data', () => {});
      await new Promise<void>((r) => s.once('connect', () => r()));
      // The error budget spent: the daemon answers, ends the connection, and this client ignores the end.
      s.write(Buffer.concat(Array.from({ length: 20 }, () => ipcFrame('{"method":'))));
      held.push(s);
    }
    await until(() => held.every((s) => s.readableEnded), 5000, 'the daemon to end every connection');
    // Ended, not yet gone: each waits out its linger for the client's FIN, then is destroyed.
    const t0 = Date.now();
    let n = await open();
    while (n > before && Date.now() - t0 < 8000) {
      await new Promise((r) => setTimeout(r, 250));
      n = await open();
    }
    expect(n).toBe(before);
    for (const s of held) s.destroy();
  });

  it('clamps a client timeout above 2^31-1 ms instead of firing the deadline at once', async () => {
    const c = d.client({ timeoutMs: 10_000 });
    expect(await c.call('slow.work', { ms: 200 }, { serverTimeoutMs: 2 ** 32 })).toEqual(expect.anything());
    expect(d.output()).not.toContain('TimeoutOverflowWarning');
  });

  it('never echoes an id that is not valid JSON', async () => {
    const s = new RawSocket(d.ipcPath);
    await s.connected();
    const bad = [
      Buffer.from('{"id":"a\\qb","method":"sys.ping"}'), // an escape JSON does not have
      Buffer.from('{"id":"a\\u12","method":"sys.ping"}'),
      Buffer.concat([Buffer.from('{"id":"a'), Buffer.from([0x01, 0xff, 0xfe]), Buffer.from('b","method":"sys.ping"}')]), // control and non-UTF-8 bytes
      Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xc3]), Buffer.from('","method":'), Buffer.from([0x01])]),
    ];
    for (const b of bad) s.write(ipcFrame(b));
    const replies = await s.waitFor(bad.length);
    for (const r of replies) {
      const msg = JSON.parse(r) as { id: unknown; error?: { code: string } };
      expect(msg.error?.code).toBe('MALFORMED_JSON');
      expect(msg.id).toBeNull();
    }
    s.close();
  });

  it('does not write a log line per broken connection', async () => {
    const before = d.output().split('\n').length;
    const conns = Array.from({ length: 150 }, () => new RawSocket(d.ipcPath));
    await Promise.all(conns.map((s) => s.connected()));
    for (const s of conns) s.write(ipcFrame('{}', 0x09, 0x0777)); // unknown version: the stream is dropped
    await until(() => conns.every((s) => s.closed), 10_000, 'the broken connections to be closed');
    await new Promise((r) => setTimeout(r, 300));
    const lines = d.output().split('\n').length - before;
    expect(lines).toBeLessThanOrEqual(10);
  });
});
