// Which addresses a Modbus device configured at run time may point at. A
// device is a connection the daemon opens for whoever configured it (an ISP
// gateway, an IPC client): without a bound it is a port scanner and a way to
// send Modbus bytes to any local service, and a serial path is a file the
// daemon reconfigures with stty and writes to.
import net from 'node:net';
import { z } from 'zod';
import { OutriggerError } from '../../runtime/errors/error.ts';
import { type CidrList, isAllowed, parseCidrs } from '../../runtime/transport/cidr.ts';
import type { DeviceSpec } from './spec.ts';

const portRange = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(/^\d{1,5}-\d{1,5}$/, 'expected a port or a range such as "5020-5030"'),
]);

/** One rule: devices on any of `hosts` (CIDR ranges, addresses or host names) at any of `ports`. */
export const addressRuleSchema = z.strictObject({
  hosts: z.array(z.string().min(1).max(256)).min(1),
  ports: z.array(portRange).min(1),
});
export type AddressRule = z.input<typeof addressRuleSchema>;

/** Loopback and the private ranges, on the Modbus TCP port. */
export const DEFAULT_DEVICE_ADDRESSES: AddressRule[] = [
  { hosts: ['127.0.0.0/8', '::1', 'localhost', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'], ports: [502] },
];

/** What the modbus actor gets from the `modbus` section to check devices with. */
export interface DevicePolicyOptions {
  allow: AddressRule[];
  serialPorts: string[];
}

interface Rule {
  cidrs: CidrList;
  names: Set<string>;
  ports: [number, number][];
}

function compile(rule: AddressRule): Rule {
  const cidrs: string[] = [];
  const names = new Set<string>();
  for (const h of rule.hosts) {
    if (net.isIP(h.split('/')[0]!) !== 0) cidrs.push(h);
    else names.add(h.toLowerCase());
  }
  const ports = rule.ports.map((p): [number, number] => {
    if (typeof p === 'number') return [p, p];
    const [a, b] = p.split('-').map(Number) as [number, number];
    return [a, b];
  });
  return { cidrs: parseCidrs(cidrs), names, ports };
}

/** Checks that the rules parse (config validation). */
export function validateRules(rules: readonly AddressRule[]): string | null {
  try {
    rules.forEach(compile);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export class DevicePolicy {
  readonly #rules: Rule[];
  readonly #serial: Set<string>;

  constructor(opts: DevicePolicyOptions) {
    this.#rules = opts.allow.map(compile);
    this.#serial = new Set(opts.serialPorts);
  }

  /**
   * Throws MODBUS_ADDRESS_NOT_ALLOWED unless the device's address is on the
   * allow-list: an IP literal within a listed range, or a host name listed
   * as it is written (names are not resolved here, so a name can't be made
   * to point elsewhere between the check and the connect), on a listed port;
   * a serial path exactly as listed in `serialPorts`.
   */
  check(spec: DeviceSpec): void {
    if (spec.mode === 'rtu') {
      if (this.#serial.has(spec.address)) return;
      throw notAllowed(spec, `serial port '${spec.address}' is not in modbus.serialPorts`);
    }
    const host = spec.host.toLowerCase();
    const ip = net.isIP(host) !== 0;
    for (const r of this.#rules) {
      const hostOk = ip ? isAllowed(r.cidrs, host) : r.names.has(host);
      if (hostOk && r.ports.some(([a, b]) => spec.port >= a && spec.port <= b)) return;
    }
    throw notAllowed(spec, `${spec.address} is not allowed by modbus.allow (hosts and ports devices may be configured at)`);
  }
}

function notAllowed(spec: DeviceSpec, why: string): OutriggerError {
  return new OutriggerError('MODBUS_ADDRESS_NOT_ALLOWED', `address: ${why}`, { field: 'address', device: spec.name });
}
