// Devices configured over IPC live in the modbus worker: a replaced worker
// gets them again from the main thread's device book.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorHost } from '../../../runtime/actor/host.ts';
import type { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { LOOPBACK_ANY_PORT } from '../../helpers/isp-daemon.ts';

let d: TestDaemon;
let c: IpcClient;

beforeAll(async () => {
  d = await startTestDaemon({ modbus: { allow: LOOPBACK_ANY_PORT }, workers: { restartBackoffMs: { initial: 50, max: 200 } } });
  c = d.client();
});
afterAll(async () => {
  await d?.stop();
});

const names = async (): Promise<string[]> => ((await c.call('modbus.status', { values: false })) as { devices: { name: string }[] }).devices.map((x) => x.name).sort();

describe('devices configured over IPC', () => {
  it('are configured again on a replaced modbus worker; removed ones stay removed', async () => {
    // No registers: nothing to poll, so no peer is needed.
    await c.call('modbus.configure', { device: { name: 'ipc-a', address: '127.0.0.1:1502', registers: [] } });
    await c.call('modbus.configure', { device: { name: 'ipc-b', address: '127.0.0.1:1503', registers: [] } });
    await c.call('modbus.remove', { device: 'ipc-b' });
    expect(await names()).toEqual(['ipc-a']);

    const host = d.daemon.hosts.get('modbus') as ActorHost;
    await host.slots[0]!.worker!.terminate();
    await expect.poll(() => host.slots[0]!.ready && host.restartsTotal === 1, { timeout: 10_000 }).toBe(true);
    await expect.poll(names, { timeout: 5000 }).toEqual(['ipc-a']);
  });
});
