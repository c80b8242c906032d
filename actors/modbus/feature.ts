import { defineFeature, moduleBeside } from '../../runtime/feature/api.ts';
import { DeviceBook } from './device-book.ts';
import type { DevicePolicyOptions } from './device-policy.ts';
import { startIspListener } from './isp/listener.ts';
import { modbusSections } from './sections.ts';
import { startStaticDevices } from './static-devices.ts';

/**
 * Modbus for IoT gateways: the modbus actor polls devices (TCP, RTU over
 * TCP, serial RTU) and the ISP listener lets gateways configure devices and
 * receive their DATA. Devices in `modbus.devices` are polled from start-up.
 */
export const modbusFeature = defineFeature({
  name: 'modbus',
  sections: modbusSections,
  env: { ISP_PORT: { path: 'listeners.isp.tcp.port', kind: 'port' } },
  actors: [
    {
      name: 'modbus',
      module: moduleBeside(import.meta.url, 'index'),
      options: (c): DevicePolicyOptions => ({ allow: c.modbus.allow, serialPorts: c.modbus.serialPorts }),
      // Polls only configured devices: static ones are configured through a call
      // at start-up (which starts the worker then), gateways' through ISP later.
      lazy: () => true,
    },
  ],
  async setup(ctx) {
    const book = new DeviceBook(ctx);
    // The hub first: it learns of every device, static ones included, from the actor's events.
    startIspListener(ctx, book);
    await startStaticDevices(ctx);
  },
});
