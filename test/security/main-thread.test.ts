// One request must not make the main thread (shared by every listener) or a
// shared worker do unbounded work: main-thread methods refuse bodies over
// their cap unread, and a gob body whose element count is bounded only by
// the whole input is refused before it runs the decoder for seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoridgeClient } from '../../clients/ts/goridge-client.ts';
import { type DaemonProcess, startDaemonProcess } from '../helpers/daemon-process.ts';
import { freePort } from './attacker.ts';

const GOB = 0x20;
/** What Go's encoding/gob writes for map[struct{}]struct{}{{}: {}}: the two type definitions, then the value. */
const GOB_TYPES = Buffer.from('10ff81040102ff820001ff8001ff800000097f030102ff80000000', 'hex');

/** gob's unsigned integer: one byte below 128, else the byte count negated, then big-endian bytes. */
function gobUint(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const hex = n.toString(16);
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return Buffer.concat([Buffer.from([256 - bytes.length]), bytes]);
}

/**
 * A map value message claiming `count` empty entries and ending there (each
 * entry would decode from zero bytes), then padding to `size` bytes: a
 * decoder that bounds the count by the whole input, not by what the message
 * holds, runs `count` iterations.
 */
function hugeEmptyMap(count: number, size: number): Buffer {
  const value = Buffer.concat([Buffer.from('ff8200', 'hex'), gobUint(count)]);
  const frame = Buffer.concat([GOB_TYPES, gobUint(value.length), value]);
  return Buffer.concat([frame, Buffer.alloc(size - frame.length)]);
}

describe('bodies a request may make the daemon decode', () => {
  let d: DaemonProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    d = await startDaemonProcess({
      metrics: { http: { port: 0 } },
      listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { unix: { path: 'goridge.sock' }, tcp: { host: '127.0.0.1', port } } },
    });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('a 12 MiB body to a main-thread method is refused unread, not parsed', async () => {
    const c = d.client({ timeoutMs: 30_000 });
    const big = { pad: 'x'.repeat(12 * 1024 * 1024) };
    // App.Init decodes its params only up to its cap, session.auth up to 4 KiB (sys.stats never decodes them).
    await expect(c.call('app.init', { configs: big })).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('cap') });
    await expect(c.call('session.auth', { token: big.pad })).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('cap') });
    expect(await c.call('sys.stats', big)).toMatchObject({ pid: d.child.pid });
    expect(await c.call('sys.ping')).toBe('pong');
  });

  it('a gob map claiming millions of empty entries is refused at once; other clients of the same worker are not held up', async () => {
    const attacker = new GoridgeClient({ address: `tcp://127.0.0.1:${port}`, timeoutMs: 60_000 });
    const other = new GoridgeClient({ address: `tcp://127.0.0.1:${port}`, timeoutMs: 60_000 });
    const body = hugeEmptyMap(3_000_000, 8 * 1024 * 1024); // ~9 s of decoding without the bound
    const began = Date.now();
    const reply = attacker.call('Sys.Echo', body, GOB);
    await new Promise((r) => setTimeout(r, 50));
    const ping = await other.call('Sys.Ping', Buffer.from('""'));
    const pingMs = Date.now() - began;
    const r = await reply;
    attacker.close();
    other.close();
    expect(r.isError).toBe(true);
    expect(r.error?.code).not.toBe('WORKER_HUNG');
    expect(ping.body.toString()).toBe('"pong"');
    expect(pingMs).toBeLessThan(3000);
  });
});
