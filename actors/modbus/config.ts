// The `modbus` section of sidecar.config.ts.
import { z } from 'zod';
import type { OutriggerError } from '../../runtime/errors/error.ts';
import { DEFAULT_DEVICE_ADDRESSES, addressRuleSchema, validateRules } from './device-policy.ts';
import { deviceSchema, parseDeviceSpec } from './spec.ts';

export const modbusConfigSchema = z
  .strictObject({
    /**
     * Devices polled from start-up, with or without a gateway connected. Each
     * entry is an ISP CONFIG payload with a `name`; gateways cannot replace them.
     */
    devices: z.array(deviceSchema.extend({ name: z.string().min(1).max(128) })).default([]),
    /**
     * Where devices configured at run time (ISP CONFIG, modbus.configure) may
     * point: host/CIDR and port rules. Default: loopback and the private
     * ranges on port 502. Devices declared above are not bound by it.
     */
    allow: z.array(addressRuleSchema).default(DEFAULT_DEVICE_ADDRESSES),
    /** Serial device paths (mode rtu) devices configured at run time may open, exactly as written. Default: none. */
    serialPorts: z.array(z.string().min(1).max(256)).default([]),
  })
  .superRefine((cfg, ctx) => {
    const bad = validateRules(cfg.allow);
    if (bad) ctx.addIssue({ code: 'custom', path: ['allow'], message: bad });
    const seen = new Set<string>();
    cfg.devices.forEach((d, i) => {
      if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'name'], message: `duplicate device name '${d.name}'` });
      seen.add(d.name);
      // The cross-field rules (quantity vs type, address range, ...) live in parseDeviceSpec.
      try {
        parseDeviceSpec(d);
      } catch (err) {
        const field = ((err as OutriggerError).data as { field?: string } | undefined)?.field ?? '';
        const path: (string | number)[] = ['devices', i];
        for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
        ctx.addIssue({ code: 'custom', path, message: (err as Error).message.replace(/^[^:]*: /, '') });
      }
    });
  });

export type ModbusConfig = z.output<typeof modbusConfigSchema>;
