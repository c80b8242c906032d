// Config reload: static devices follow the file, and a restarted modbus actor
// (new worker count) gets its static devices and the gateways' CONFIGs again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IspClient } from '../../../clients/ts/isp-client.ts';
import type { ConfigInput as OutriggerConfigInput } from '../../../index.ts';
import { type IspTestDaemon, LOOPBACK_ANY_PORT, pointsOf, startIspDaemon } from '../../helpers/isp-daemon.ts';
import { freePort, startPeer, stopPeer } from '../../helpers/modbus-peers.ts';
import { loadedTestConfig } from '../../helpers/config.ts';

let d: IspTestDaemon;
let gw: IspClient;
let port: number;

const device = (name: string, address: number) => ({
  name,
  address: `127.0.0.1:${port}`,
  interval_ms: 100,
  registers: [{ key: 'v', address, type: 'uint16' as const }],
});

function config(over: OutriggerConfigInput): OutriggerConfigInput {
  return {
    logLevel: 'silent',
    runDir: d.runDir,
    metrics: { http: { port: 0 } }, // as the test daemon started
    listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { tcp: { host: '127.0.0.1', port: 0 } } },
    ...over,
    // As the test daemon started: a different allow-list would be a new modbus actor.
    modbus: { allow: LOOPBACK_ANY_PORT, ...over.modbus },
  };
}

const reload = (over: OutriggerConfigInput) => d.daemon.reload(loadedTestConfig(config(over)), 'test');

beforeAll(async () => {
  port = await freePort();
  await startPeer('libmodbus', port);
  d = await startIspDaemon({ modbus: { devices: [device('file-a', 1)] } });
  gw = await d.gateway();
});

afterAll(async () => {
  await d?.stop();
  if (port) await stopPeer(port);
});

describe('config reload', () => {
  it('adds and removes static devices, and re-applies everything when the modbus actor restarts', async () => {
    expect((await gw.request('CONFIG', device('from-gw', 3))).payload).toMatchObject({ success: true });
    await pointsOf(gw, 'file-a', ['v']);

    const r1 = await reload({ modbus: { devices: [device('file-b', 2)] } });
    expect(r1, JSON.stringify(r1)).toMatchObject({ ok: true, hookErrors: [] });
    const b = await pointsOf(gw, 'file-b', ['v']);
    expect(b.get('v')!.value).toBe(102);
    const names = async () => ((await gw.request('STATUS', { values: false })).payload!.devices as { name: string }[]).map((x) => x.name).sort();
    expect(await names()).toEqual(['file-b', 'from-gw']);

    // Two workers: the actor restarts, its devices are configured again on the new one.
    const r2 = await reload({ modbus: { devices: [device('file-b', 2)] }, actors: { modbus: { workers: 2 } } });
    expect(r2.changes).toContain("actor 'modbus' restarted with its new settings (in-flight requests finish on the old workers)");
    await expect.poll(names, { timeout: 5000 }).toEqual(['file-b', 'from-gw']);
    const both = await Promise.all([pointsOf(gw, 'file-b', ['v']), pointsOf(gw, 'from-gw', ['v'])]);
    expect(both.map((m) => m.get('v')!.value)).toEqual([102, 103]);
  });

  it('reports an ISP address change as needing a restart, and keeps listening', async () => {
    const other = await freePort();
    const r = await reload({
      modbus: { devices: [device('file-b', 2)] },
      actors: { modbus: { workers: 2 } },
      metrics: { http: { port: 0 } },
      listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { tcp: { host: '127.0.0.1', port: other } } },
    });
    expect(r.ok).toBe(false);
    expect(r.hookErrors.join()).toContain('listeners.isp');
    expect((await gw.request('STATUS', { values: false })).payload).toMatchObject({ success: true });
  });
});
