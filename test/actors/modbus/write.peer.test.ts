// modbus.write over IPC lands on a real server: checked by reading back with
// mbpoll (libmodbus' client), not with our own reader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IspTestDaemon, startIspDaemon } from '../../helpers/isp-daemon.ts';
import { freePort, mbpoll, mbpollValues, startPeer, stopPeer } from '../../helpers/modbus-peers.ts';

let d: IspTestDaemon;
let port: number;

beforeAll(async () => {
  port = await freePort();
  await startPeer('libmodbus', port);
  d = await startIspDaemon();
  await d.ipc.call('modbus.configure', {
    device: {
      name: 'plc',
      address: `127.0.0.1:${port}`,
      interval_ms: 1000,
      registers: [
        { key: 'setpoint', address: 4000, type: 'float32', scale: 0.1 },
        { key: 'big', address: 4002, type: 'int64', word_order: 'little' },
        { key: 'label', address: 4006, type: 'string', quantity: 4 },
        { key: 'swapped', address: 4010, type: 'uint16', byte_order: 'little' },
        { key: 'pump', address: 4000, type: 'bool' },
        { key: 'input', address: 4, type: 'uint16', function: 4 },
      ],
    },
  });
  for (let i = 0; i < 100; i++) {
    const st = (await d.ipc.call('modbus.status', { device: 'plc', values: false })) as { devices: { state: string }[] };
    if (st.devices[0]!.state === 'connected') break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await d?.stop();
  if (port) await stopPeer(port);
});

const write = (params: Record<string, unknown>) => d.ipc.call('modbus.write', { device: 'plc', ...params });

describe('modbus.write', () => {
  it('writes typed values by key, reversing scale and honouring word/byte order', async () => {
    expect(await write({ key: 'setpoint', value: 25.5 })).toEqual({ device: 'plc', key: 'setpoint', function: 16, address: 4000, count: 2 });
    expect(mbpollValues(await mbpoll(port, ['-t', '4:float', '-B', '-r', '4000', '-c', '1']))).toEqual(['255']);
    await write({ key: 'big', value: '-1234567890123456789' });
    // word order little: least significant register first
    const words = mbpollValues(await mbpoll(port, ['-t', '4:hex', '-r', '4002', '-c', '4']));
    expect(words).toEqual(['0x7EEB', '0x8216', '0xEF0B', '0xEEDD']);
    await write({ key: 'label', value: 'PUMP' });
    expect(mbpollValues(await mbpoll(port, ['-t', '4:hex', '-r', '4006', '-c', '3']))).toEqual(['0x5055', '0x4D50', '0x0000']);
    expect(await write({ key: 'swapped', value: 0x1234 })).toMatchObject({ function: 6, count: 1 });
    expect(mbpollValues(await mbpoll(port, ['-t', '4:hex', '-r', '4010', '-c', '1']))).toEqual(['0x3412']);
    expect(await write({ key: 'pump', value: true })).toMatchObject({ function: 5, address: 4000 });
    expect(mbpollValues(await mbpoll(port, ['-t', '0', '-r', '4000', '-c', '1']))).toEqual(['1']);
    // and the poller reads back what was written
    const read = (await d.ipc.call('modbus.read', { device: 'plc', keys: ['setpoint', 'big', 'label', 'swapped', 'pump'] })) as { points: { value: unknown }[] };
    expect(read.points.map((p) => p.value)).toEqual([25.5, '-1234567890123456789', 'PUMP', 0x1234, true]);
  });

  it('writes raw registers and coils with functions 5, 6, 15 and 16', async () => {
    await write({ function: 6, address: 4100, value: 4242 });
    await write({ function: 16, address: 4101, values: [1, 2, 65535] });
    await write({ function: 16, address: 4104, type: 'float32', value: -2.5 });
    expect(mbpollValues(await mbpoll(port, ['-t', '4', '-r', '4100', '-c', '4']))).toEqual(['4242', '1', '2', '65535']);
    expect(mbpollValues(await mbpoll(port, ['-t', '4:float', '-B', '-r', '4104', '-c', '1']))).toEqual(['-2.5']);
    await write({ function: 15, address: 4100, values: [true, false, true, true] });
    await write({ function: 5, address: 4104, value: 1 });
    expect(mbpollValues(await mbpoll(port, ['-t', '0', '-r', '4100', '-c', '5']))).toEqual(['1', '0', '1', '1', '1']);
  });

  it('refuses bad writes with specific codes and reports device exceptions', async () => {
    await expect(write({ key: 'input', value: 1 })).rejects.toMatchObject({ code: 'MODBUS_NOT_WRITABLE' });
    await expect(write({ key: 'swapped', value: 70000 })).rejects.toMatchObject({ code: 'MODBUS_VALUE_OUT_OF_RANGE' });
    await expect(write({ key: 'nope', value: 1 })).rejects.toMatchObject({ code: 'MODBUS_UNKNOWN_KEY' });
    await expect(write({ function: 6, address: 1, value: 'x' })).rejects.toMatchObject({ code: 'INVALID_PARAMS', data: { field: 'value' } });
    await expect(write({ function: 3, address: 1, value: 1 })).rejects.toMatchObject({ code: 'INVALID_PARAMS', data: { field: 'function' } });
    await expect(write({ key: 'setpoint', value: 1, function: 6 })).rejects.toMatchObject({ code: 'INVALID_PARAMS', data: { field: 'function' } });
    await expect(d.ipc.call('modbus.write', { device: 'ghost', key: 'x', value: 1 })).rejects.toMatchObject({ code: 'MODBUS_UNKNOWN_DEVICE' });
    await expect(write({ function: 6, address: 10000, value: 1 })).rejects.toMatchObject({ code: 'MODBUS_EXCEPTION', data: { exception: 2 } });
    // the device is still there and answering
    expect(await write({ function: 6, address: 4100, value: 7 })).toMatchObject({ count: 1 });
  });
});
