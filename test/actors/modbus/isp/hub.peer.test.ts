// DATA delivery to gateways: broadcast to every gateway in messages of at
// most 100 points, and bounded memory for a gateway that stops reading.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IspPoint } from '../../../../clients/ts/isp-client.ts';
import { type IspTestDaemon, pointsOf, startIspDaemon } from '../../../helpers/isp-daemon.ts';
import { freePort, startPeer, stopPeer } from '../../../helpers/modbus-peers.ts';

const KiB = 1024;
const MAX_QUEUED = 256 * KiB;

let port: number;
let d: IspTestDaemon;

beforeAll(async () => {
  port = await freePort();
  await startPeer('libmodbus', port);
  d = await startIspDaemon({}, { socketHighWaterBytes: 64 * KiB, maxQueuedDataBytes: MAX_QUEUED });
});

afterAll(async () => {
  await d?.stop();
  if (port) await stopPeer(port);
});

const stats = async () => (await d.ipc.call('isp.stats', {})) as Record<string, number>;

describe('DATA broadcast', () => {
  it('reaches every connected gateway, at most 100 points per message', async () => {
    const a = await d.gateway();
    const b = await d.gateway();
    const sizes: number[] = [];
    b.subscribe((points) => sizes.push(points.length));
    const registers = Array.from({ length: 250 }, (_, i) => ({ key: `hr${i}`, address: 500 + i, type: 'uint16' }));
    const keys = registers.map((r) => r.key);
    const both = Promise.all([pointsOf(a, 'wide', keys), pointsOf(b, 'wide', keys)]);
    expect((await a.request('CONFIG', { name: 'wide', address: `127.0.0.1:${port}`, interval_ms: 200, registers })).payload).toMatchObject({ success: true });
    const [pa, pb] = await both;
    expect(pa.get('hr249')!.value).toBe(849);
    expect(pb.get('hr0')!.value).toBe(600);
    expect(Math.max(...sizes)).toBe(100);
    expect(sizes.every((n) => n <= 100)).toBe(true);
    expect([a.invalid, b.invalid]).toEqual([[], []]);
    await d.ipc.call('modbus.remove', { device: 'wide' });
    a.close();
    b.close();
  });
});

describe('a gateway that stops reading', () => {
  it('gets its oldest DATA dropped at a bounded queue while the others keep receiving', async () => {
    const fast = await d.gateway();
    let fastPoints = 0;
    fast.subscribe((p: IspPoint[]) => (fastPoints += p.length));
    const slow = net.connect(d.ispPort, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    slow.pause(); // reads nothing: the kernel buffers fill, then the session queue
    const registers = Array.from({ length: 1000 }, (_, i) => ({ key: `f${i}`, address: i, type: 'uint16' }));
    await fast.request('CONFIG', { name: 'flood', address: `127.0.0.1:${port}`, interval_ms: 20, registers });
    await expect.poll(async () => (await stats()).data_dropped_messages, { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
    const s = await stats();
    expect(s.data_queued_bytes).toBeLessThanOrEqual(MAX_QUEUED + 200 * KiB); // the cap plus one turn's DATA
    const before = fastPoints;
    await new Promise((r) => setTimeout(r, 1000));
    expect(fastPoints - before).toBeGreaterThan(10_000); // ~50 cycles of 1000 points per second
    await d.ipc.call('modbus.remove', { device: 'flood' });

    // Dropping happens between messages: what the slow gateway finally reads is whole lines.
    let text = '';
    slow.setEncoding('utf8');
    slow.on('data', (c: string) => (text += c));
    slow.resume();
    await expect.poll(async () => (await stats()).data_queued_bytes, { timeout: 10_000 }).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const lines = text.split('\n');
    lines.pop(); // after the last newline
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    slow.destroy();
    fast.close();
  });
});
