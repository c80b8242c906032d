import { modbusConfigSchema } from './config.ts';
import { ispListenerSchema } from './isp/config.ts';

/** The config sections the modbus feature owns: `modbus` (static devices) and `listeners.isp` (the gateway listener). */
export const modbusSections = {
  modbus: modbusConfigSchema.prefault({}),
  'listeners.isp': ispListenerSchema,
};
export type ModbusSections = typeof modbusSections;
