import type { ListenerPlugin } from '../../runtime/daemon/daemon.ts';
import { callLocal } from '../../runtime/router/local-call.ts';

/**
 * Configures the devices of the `modbus.devices` config section at start-up,
 * so they are polled with no gateway connected. They go through the router
 * like any `modbus.configure`, so they are pinned like gateway devices.
 */
export const modbusStaticDevicesPlugin: ListenerPlugin = async (daemon) => {
  for (const device of daemon.config.modbus.devices) {
    await callLocal(daemon.router, 'modbus.configure', { device, static: true });
  }
};
