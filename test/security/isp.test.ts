// ISP gateways configure Modbus devices over TCP, so what one gateway can
// make the daemon hold or reach is bounded: devices per gateway and in all,
// devices go with their gateway, and a device may only point at addresses
// and serial ports the config allows.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IspClient } from '../../clients/ts/isp-client.ts';
import { type DaemonProcess, startDaemonProcess } from '../helpers/daemon-process.ts';
import { CAN_DROP_PRIVILEGES, freePort, runAsNobody } from './attacker.ts';

describe('ISP gateways and their devices', () => {
  let d: DaemonProcess;
  let ispPort: number;
  let metricsPort: number;
  const gateways: IspClient[] = [];
  const gateway = async (): Promise<IspClient> => {
    const g = await IspClient.connect({ port: ispPort });
    gateways.push(g);
    return g;
  };
  const device = (name: string, address = '127.0.0.1:502') => ({ name, address, registers: [] });
  const names = async (): Promise<string[]> =>
    ((await d.client().call('modbus.status', { values: false })) as { devices: { name: string }[] }).devices.map((x) => x.name);

  beforeAll(async () => {
    [ispPort, metricsPort] = [await freePort(), await freePort()];
    d = await startDaemonProcess({
      metrics: { http: { port: metricsPort } },
      listeners: { isp: { tcp: { host: '127.0.0.1', port: ispPort }, maxDevicesPerGateway: 8, maxDevices: 12 } },
    });
  });
  afterAll(async () => {
    for (const g of gateways) g.close();
    await d?.stop();
  });

  it('caps the devices one gateway and all gateways may own', async () => {
    const a = await gateway();
    const results = [];
    for (let i = 0; i < 10; i++) results.push((await a.request('CONFIG', device(`a${i}`))).payload as { success: boolean; code?: string });
    expect(results.filter((r) => r.success)).toHaveLength(8);
    expect(results[8]).toMatchObject({ success: false, code: 'ISP_TOO_MANY_DEVICES' });
    const b = await gateway();
    const more = [];
    for (let i = 0; i < 6; i++) more.push((await b.request('CONFIG', device(`b${i}`))).payload as { success: boolean; code?: string });
    expect(more.filter((r) => r.success)).toHaveLength(4);
    expect(more[4]).toMatchObject({ success: false, code: 'ISP_TOO_MANY_DEVICES' });
    // Another gateway's device is not this one's to replace.
    expect((await b.request('CONFIG', device('a0', '127.0.0.1:502'))).payload).toMatchObject({ success: false, code: 'MODBUS_DEVICE_OWNED' });
  });

  it('removes a gateway\'s devices, and their metric series, when it disconnects', async () => {
    expect((await names()).filter((n) => n.startsWith('a'))).toHaveLength(8);
    gateways[0]!.close();
    await expect.poll(async () => (await names()).filter((n) => n.startsWith('a')), { timeout: 10_000 }).toEqual([]);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).not.toMatch(/device="a\d"/);
    // Room again for a new gateway.
    const c = await gateway();
    expect((await c.request('CONFIG', device('c0'))).payload).toMatchObject({ success: true });
  });

  it('refuses device addresses outside modbus.allow: no port scanning, no bytes to other local services', async () => {
    const g = await gateway();
    for (const address of [`127.0.0.1:${metricsPort}`, '127.0.0.1:22', '8.8.8.8:502', 'example.com:502']) {
      expect((await g.request('CONFIG', device('scan', address))).payload).toMatchObject({ success: false, code: 'MODBUS_ADDRESS_NOT_ALLOWED' });
    }
    expect(await names()).not.toContain('scan');
  });

  it('opens no serial path the config does not list (no stty on a tty of the host)', async () => {
    const g = await gateway();
    const fifo = join(d.runDir, 'not-a-tty');
    execFileSync('mkfifo', [fifo]);
    for (const address of [fifo, '/dev/tty', '/dev/console']) {
      const r = await g.request('CONFIG', { name: 'serial', mode: 'rtu', address, registers: [{ key: 'x', address: 0, type: 'uint16' }] });
      expect(r.payload).toMatchObject({ success: false, code: 'MODBUS_ADDRESS_NOT_ALLOWED' });
    }
  });
});

describe('a serial path the config lists', () => {
  it('is opened only when it is a character device: a FIFO is refused without blocking', async () => {
    const ispPort = await freePort();
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'outrigger-fifo-'));
    const fifo = join(dir, 'ttyFake');
    execFileSync('mkfifo', [fifo]);
    const d = await startDaemonProcess({
      metrics: { http: { port: 0 } },
      modbus: { serialPorts: [fifo] },
      listeners: { isp: { tcp: { host: '127.0.0.1', port: ispPort } } },
    });
    try {
      const g = await IspClient.connect({ port: ispPort });
      const r = await g.request('CONFIG', { name: 'serial', mode: 'rtu', address: fifo, registers: [{ key: 'x', address: 0, type: 'uint16' }] });
      expect(r.payload).toMatchObject({ success: true });
      await expect
        .poll(async () => ((await d.client().call('modbus.status', { device: 'serial', values: false })) as { devices: { last_error: string | null }[] }).devices[0]!.last_error, {
          timeout: 10_000,
        })
        .toContain('not a character device');
      // The worker was never stuck: other calls to it answer.
      expect(await d.client().call('modbus.status', { values: false })).toMatchObject({ devices: [expect.objectContaining({ name: 'serial' })] });
      g.close();
    } finally {
      await d.stop();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ISP gateways on a unix socket', () => {
  it('serve on the socket alone (mode 0660, no TCP port), where file permissions keep other local users out', async () => {
    const d = await startDaemonProcess({ listeners: { isp: { unix: { path: 'isp.sock' } } } });
    try {
      const path = join(d.runDir, 'isp.sock');
      expect(statSync(path).mode & 0o777).toBe(0o660);
      const status = (await d.client().call('sys.stats')) as { listeners: { name: string; bound: string[] }[] };
      expect(status.listeners.find((l) => l.name === 'isp')!.bound).toEqual([`unix://${path}`]);
      const g = await IspClient.connect({ path });
      try {
        expect((await g.request('STATUS', { values: false })).payload).toMatchObject({ success: true, devices: [] });
      } finally {
        g.close();
      }
      if (CAN_DROP_PRIVILEGES) {
        const o = (await runAsNobody(`require('node:net').connect(process.argv[1]).on('connect', () => { console.log('{"connected":true}'); process.exit(0); }).on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(0); });`, [path])) as { error?: string };
        expect(o.error).toBe('EACCES');
      }
    } finally {
      await d.stop();
    }
  });
});
