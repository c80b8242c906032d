import { modbusStaticDevicesPlugin } from '../../actors/modbus/static-devices.ts';
import { ispListenerPlugin } from '../protocols/isp-plugin.ts';
import { esPipelinesPlugin } from '../../actors/es/plugin.ts';
import type { ListenerPlugin } from './daemon.ts';
import { opsPlugin } from './ops-plugin.ts';
import { appApiPlugin } from '../app-api/plugin.ts';
import { goridgePlugin } from '../protocols/goridge-plugin.ts';

/**
 * Listener plugins the CLI starts with the daemon. Each protocol beyond the
 * core IPC listener (Goridge, ISP, metrics) adds one line here.
 */
export const featurePlugins: ListenerPlugin[] = [opsPlugin, goridgePlugin, appApiPlugin, ispListenerPlugin, modbusStaticDevicesPlugin, esPipelinesPlugin];
