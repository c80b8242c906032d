// Transports other than Modbus TCP, against libmodbus' RTU backend: RTU over
// TCP directly, and serial RTU through a pseudo-terminal that socat bridges
// to the same server (serialport opens the pty like any tty).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IspClient } from '../../../clients/ts/isp-client.ts';
import { type IspTestDaemon, pointsOf, startIspDaemon } from '../../helpers/isp-daemon.ts';
import { freePort, startPeer, stopPeer } from '../../helpers/modbus-peers.ts';

let d: IspTestDaemon;
let gw: IspClient;
let rtuPort: number;
let socat: ChildProcess | null = null;
const dir = mkdtempSync(join(tmpdir(), 'outrigger-pty-'));
const tty = join(dir, 'ttyV0');

// Layout of the peers: HR[i] = 100 + i, coil[i] = i % 3 == 0, IR[i] = 30000 + i.
const registers = [
  { key: 'hr', address: 20, type: 'uint16' },
  { key: 'hr32', address: 21, type: 'uint32' },
  { key: 'coil', address: 21, type: 'bool' },
  { key: 'ir', address: 3, type: 'uint16', function: 4 },
];
const expected = { hr: 120, hr32: (121 << 16) | 122, coil: true, ir: 30003 };

function valuesOf(points: Map<string, { value: unknown }>): Record<string, unknown> {
  return Object.fromEntries([...points].map(([k, p]) => [k, p.value]));
}

beforeAll(async () => {
  rtuPort = await freePort();
  await startPeer('libmodbus-rtu', rtuPort);
  d = await startIspDaemon({ modbus: { serialPorts: [tty] } });
  gw = await d.gateway();
});

afterAll(async () => {
  socat?.kill('SIGTERM');
  await d?.stop();
  if (rtuPort) await stopPeer(rtuPort);
  rmSync(dir, { recursive: true, force: true });
});

describe('RTU over TCP', () => {
  it('polls and writes through raw RTU frames', async () => {
    const r = await gw.request('CONFIG', { name: 'rtu-tcp', mode: 'rtu-over-tcp', address: `127.0.0.1:${rtuPort}`, interval_ms: 100, registers });
    expect(r.payload).toMatchObject({ success: true });
    expect(valuesOf(await pointsOf(gw, 'rtu-tcp', Object.keys(expected)))).toEqual(expected);
    await d.ipc.call('modbus.write', { device: 'rtu-tcp', key: 'hr', value: 777 });
    const read = (await d.ipc.call('modbus.read', { device: 'rtu-tcp', keys: ['hr'] })) as { points: { value: unknown }[] };
    expect(read.points[0]!.value).toBe(777);
    await d.ipc.call('modbus.write', { device: 'rtu-tcp', key: 'hr', value: 120 });
  });

  it('a unit id nobody answers times out, starts over on a clean line, and leaves the other device alone', async () => {
    await gw.request('CONFIG', {
      name: 'rtu-nobody',
      mode: 'rtu-over-tcp',
      address: `127.0.0.1:${rtuPort}`,
      device_id: 9,
      timeout_ms: 300,
      interval_ms: 100,
      reconnect_min_ms: 50,
      reconnect_max_ms: 200,
      registers: [{ key: 'x', address: 0, type: 'uint16' }],
    });
    const bad = await pointsOf(gw, 'rtu-nobody', ['x'], (p) => p.quality === 0);
    expect(bad.get('x')!.value).toBeNull();
    expect(valuesOf(await pointsOf(gw, 'rtu-tcp', Object.keys(expected)))).toEqual(expected);
    const counters = async () =>
      ((await d.ipc.call('modbus.status', { device: 'rtu-nobody', values: false })) as { devices: { counters: Record<string, number> }[] }).devices[0]!.counters;
    // Every timeout on RTU starts the line over (a late answer would be taken for the next request's).
    await expect.poll(async () => { const c = await counters(); return c.timeouts >= 1 && c.disconnects >= 1; }, { timeout: 5000 }).toBe(true);
    await d.ipc.call('modbus.remove', { device: 'rtu-nobody' });
  });
});

describe('serial RTU', () => {
  it('polls a device on a serial port (a pty bridged by socat to the RTU server)', async () => {
    socat = spawn('socat', [`PTY,link=${tty},raw,echo=0`, `TCP:127.0.0.1:${rtuPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    socat.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const spawnError = new Promise<Error>((resolve) => socat!.once('error', resolve));
    for (let i = 0; i < 100 && !existsSync(tty); i++) {
      const e = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
      if (e) throw new Error(`cannot run socat (apt-get install socat; test/peers/install-debian.sh): ${e.message}`);
    }
    if (!existsSync(tty)) throw new Error(`socat did not create ${tty}: ${err}`);
    const r = await gw.request('CONFIG', { name: 'serial', mode: 'rtu', address: tty, baud_rate: 19200, parity: 'none', interval_ms: 100, registers });
    expect(r.payload).toMatchObject({ success: true });
    expect(valuesOf(await pointsOf(gw, 'serial', Object.keys(expected)))).toEqual(expected);
  });
});
