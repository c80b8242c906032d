import { describe, expect, it } from 'vitest';
import defaults from '../../../sidecar.config.ts';
import { parseTestConfig } from '../../helpers/config.ts';

describe('modbus config section', () => {
  it('is empty in the embedded default config: nothing to reach at start-up', () => {
    expect(parseTestConfig(defaults, {}).modbus.devices).toEqual([]);
  });

  it('accepts ISP CONFIG payloads with a name and names the field of a bad one', () => {
    const device = { name: 'boiler', address: '10.0.0.5:502', registers: [{ key: 't', address: 0, type: 'float32' }] };
    expect(parseTestConfig({ modbus: { devices: [device] } }, {}).modbus.devices[0]).toMatchObject({ name: 'boiler', interval_ms: 1000, mode: 'tcp' });
    const bad = (devices: unknown[]) => {
      try {
        parseTestConfig({ modbus: { devices } }, {});
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected CONFIG_INVALID');
    };
    expect(bad([{ ...device, registers: [{ key: 't', address: 0, type: 'float32', quantity: 4 }] }])).toContain(
      "config field 'modbus.devices.0.registers.0.quantity': float32 spans 2 registers, quantity is 4",
    );
    expect(bad([{ address: 'h' }])).toContain("config field 'modbus.devices.0.name'");
    expect(bad([device, device])).toContain("config field 'modbus.devices.1.name': duplicate device name 'boiler'");
    expect(bad([{ ...device, address: 'a:b:c' }])).toContain("config field 'modbus.devices.0.address'");
  });
});
