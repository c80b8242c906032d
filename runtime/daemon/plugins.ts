import { modbusStaticDevicesPlugin } from '../../actors/modbus/static-devices.ts';
import { ispListenerPlugin } from '../protocols/isp-plugin.ts';
import type { ListenerPlugin } from './daemon.ts';

/**
 * Listener plugins the CLI starts with the daemon. Each protocol beyond the
 * core IPC listener (Goridge, ISP, metrics) adds one line here.
 */
export const featurePlugins: ListenerPlugin[] = [ispListenerPlugin, modbusStaticDevicesPlugin];
