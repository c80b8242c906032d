// Devices from the config file are polled from start-up, with no gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IspTestDaemon, pointsOf, startIspDaemon } from '../../helpers/isp-daemon.ts';
import { freePort, startPeer, stopPeer } from '../../helpers/modbus-peers.ts';

let d: IspTestDaemon;
let port: number;

beforeAll(async () => {
  port = await freePort();
  await startPeer('pymodbus', port);
  d = await startIspDaemon({
    modbus: { devices: [{ name: 'boiler', address: `127.0.0.1:${port}`, interval_ms: 100, registers: [{ key: 'pressure', address: 7, type: 'uint16', scale: 0.5 }] }] },
  });
});

afterAll(async () => {
  await d?.stop();
  if (port) await stopPeer(port);
});

describe('static devices', () => {
  it('are polled before any gateway connects and cannot be replaced at run time', async () => {
    const before = ((await d.ipc.call('modbus.status', { device: 'boiler', values: true })) as { devices: Record<string, unknown>[] }).devices[0]!;
    expect(before).toMatchObject({ static: true, state: 'connected' });
    expect((before.counters as Record<string, number>).polls).toBeGreaterThanOrEqual(1);
    const gw = await d.gateway();
    const p = await pointsOf(gw, 'boiler', ['pressure']);
    expect(p.get('pressure')!.value).toBe(53.5); // HR[7] = 107, scale 0.5
    const status = await gw.request('STATUS', { device: 'boiler' });
    expect(status.payload).toMatchObject({ success: true, devices: [{ name: 'boiler', static: true, values: { pressure: { value: 53.5, quality: 1 } } }] });
    const replace = await gw.request('CONFIG', { name: 'boiler', address: '127.0.0.1:1', registers: [] });
    expect(replace.payload).toMatchObject({ success: false, code: 'MODBUS_DEVICE_STATIC' });
    await expect(d.ipc.call('modbus.remove', { device: 'boiler' })).rejects.toMatchObject({ code: 'MODBUS_DEVICE_STATIC' });
    const unknown = await gw.request('STATUS', { device: 'nope' });
    expect(unknown.payload).toMatchObject({ success: false, code: 'MODBUS_UNKNOWN_DEVICE' });
  });
});
