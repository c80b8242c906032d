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
    const boiler = async (): Promise<Record<string, unknown>> =>
      ((await d.ipc.call('modbus.status', { device: 'boiler', values: true })) as { devices: Record<string, unknown>[] }).devices[0]!;
    // Polling starts with the daemon; on a loaded box the first connect may still be under way.
    await expect.poll(async () => (await boiler()).state, { timeout: 10_000 }).toBe('connected');
    const before = await boiler();
    expect(before).toMatchObject({ static: true, state: 'connected' });
    await expect.poll(async () => ((await boiler()).counters as Record<string, number>).polls, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
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
