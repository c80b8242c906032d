import { describe, expect, it } from 'vitest';
import { parseDeviceSpec } from '../../../actors/modbus/spec.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';
import { prng } from '../../helpers/prng.ts';

/** The ISP gateway protocol's example CONFIG payload, with float32's own quantity (the example's `quantity: 1` is tested below). */
const examplePayload = {
  mode: 'tcp',
  address: '127.0.0.1:502',
  timeout_ms: 3000,
  interval_ms: 2000,
  registers: [{ key: 'temperature', address: 0, quantity: 2, type: 'float32', function: 3, scale: 0.1, device_id: 1, tags: { unit: '°C' } }],
};

function errorOf(raw: unknown, prefix = ''): { code: string; field: string; message: string } {
  try {
    parseDeviceSpec(raw, prefix);
  } catch (err) {
    const e = err as { code: string; data: { field: string }; message: string };
    return { code: e.code, field: e.data.field, message: e.message };
  }
  throw new Error('expected a validation error');
}

describe('device spec', () => {
  it('accepts the example CONFIG payload and fills defaults', () => {
    const d = parseDeviceSpec(examplePayload);
    expect(d).toMatchObject({ mode: 'tcp', host: '127.0.0.1', port: 502, timeoutMs: 3000, intervalMs: 2000, named: false, maxGap: 16 });
    expect(d.registers[0]).toMatchObject({ key: 'temperature', quantity: 2, fn: 3, unitId: 1, scale: 0.1, byteSwap: false, wordSwap: false });
    expect(parseDeviceSpec({ address: 'plc.local' })).toMatchObject({ host: 'plc.local', port: 502, registers: [] });
    expect(parseDeviceSpec({ address: '[::1]:1502' })).toMatchObject({ host: '::1', port: 1502 });
    expect(parseDeviceSpec({ mode: 'rtu', address: '/dev/ttyUSB0', parity: 'even' }).serial.parity).toBe('even');
  });

  it('defaults quantity to the type width and function to 1 for bool, 3 otherwise', () => {
    const d = parseDeviceSpec({
      address: 'h',
      device_id: 9,
      word_order: 'little',
      registers: [
        { key: 'a', address: 1, type: 'float64' },
        { key: 'b', address: 2, type: 'bool' },
        { key: 'c', address: 3, type: 'int16', device_id: 2, deadband: 0.5 },
      ],
    });
    expect(d.registers.map((r) => [r.quantity, r.fn, r.unitId, r.wordSwap, r.onChange])).toEqual([
      [4, 3, 9, true, false],
      [1, 1, 9, true, false],
      [1, 3, 2, true, true],
    ]);
  });

  it("reads a multi-register type given a smaller quantity (the ISP protocol's own CONFIG example) at its width, with a warning", () => {
    const d = parseDeviceSpec({ ...examplePayload, registers: [{ ...examplePayload.registers[0], quantity: 1 }, { key: 'n', address: 4, type: 'uint64', quantity: 2 }] }, 'payload.');
    expect(d.registers.map((r) => r.quantity)).toEqual([2, 4]);
    expect(d.warnings).toEqual([
      { field: 'payload.registers[0].quantity', message: 'payload.registers[0].quantity: float32 spans 2 registers; quantity 1 is read as 2' },
      { field: 'payload.registers[1].quantity', message: 'payload.registers[1].quantity: uint64 spans 4 registers; quantity 2 is read as 4' },
    ]);
    expect(parseDeviceSpec(examplePayload).warnings).toEqual([]);
  });

  it('names the bad field with a specific code', () => {
    const withReg = (r: object) => ({ address: 'h', registers: [{ key: 'ok', address: 0, type: 'int16' }, { key: 'x', address: 0, type: 'int16', ...r }] });
    expect(errorOf(withReg({ type: 'float' }))).toMatchObject({ code: 'MODBUS_INVALID_REGISTER', field: 'registers[1].type' });
    // More registers than the type spans: a longer read, or several values? Refused.
    expect(errorOf({ ...examplePayload, registers: [{ ...examplePayload.registers[0], quantity: 3 }] })).toMatchObject({
      code: 'MODBUS_INVALID_REGISTER',
      field: 'registers[0].quantity',
      message: 'registers[0].quantity: float32 spans 2 registers, quantity is 3',
    });
    expect(errorOf(withReg({ address: 70000 }))).toMatchObject({ field: 'registers[1].address' });
    expect(errorOf(withReg({ address: 65535, type: 'int32' }))).toMatchObject({ field: 'registers[1].address' });
    expect(errorOf(withReg({ function: 2 }))).toMatchObject({ field: 'registers[1].function' });
    expect(errorOf(withReg({ function: 5 }))).toMatchObject({ field: 'registers[1].function' });
    expect(errorOf(withReg({ type: 'string' }))).toMatchObject({ field: 'registers[1].quantity' });
    expect(errorOf(withReg({ key: 'ok' }))).toMatchObject({ field: 'registers[1].key' });
    expect(errorOf(withReg({ bit: 3 }))).toMatchObject({ field: 'registers[1].bit' });
    expect(errorOf(withReg({ type: 'bool', scale: 2 }))).toMatchObject({ field: 'registers[1].scale' });
    expect(errorOf(withReg({ unit: 'C' }))).toMatchObject({ code: 'MODBUS_INVALID_REGISTER', field: 'registers[1].unit', message: 'registers[1].unit: unknown field' });
    expect(errorOf(withReg({ scale: Infinity }))).toMatchObject({ field: 'registers[1].scale' });
    expect(errorOf({ address: 'h', mode: 'udp' })).toMatchObject({ code: 'MODBUS_INVALID_DEVICE', field: 'mode' });
    expect(errorOf({ address: 'h:99999' })).toMatchObject({ code: 'MODBUS_INVALID_DEVICE', field: 'address' });
    expect(errorOf({ address: 'a b' })).toMatchObject({ field: 'address' });
    expect(errorOf({})).toMatchObject({ code: 'MODBUS_INVALID_DEVICE', field: 'address' });
    expect(errorOf({ address: 'h', interval_ms: 0 }, 'payload.')).toMatchObject({ field: 'payload.interval_ms' });
    expect(errorOf({ address: 'h', intervalMs: 10 })).toMatchObject({ field: 'intervalMs', message: 'intervalMs: unknown field' });
    expect(errorOf({ address: 'h', registers: {} })).toMatchObject({ code: 'MODBUS_INVALID_DEVICE', field: 'registers' });
    expect(errorOf({ address: 'h', name: 'a\nb' })).toMatchObject({ field: 'name' });
    expect(errorOf({ address: 'h', reconnect_min_ms: 1000, reconnect_max_ms: 100 })).toMatchObject({ field: 'reconnect_max_ms' });
  });
});

describe('device spec fuzz', () => {
  const junk = [null, true, 0, -1, 1.5, 65536, 1e300, '', 'x', 'float32', 'big', [], {}, [1], { a: 1 }, 'registers', -0];
  const fields = ['name', 'mode', 'address', 'timeout_ms', 'interval_ms', 'device_id', 'byte_order', 'max_gap', 'max_length', 'registers', 'extra'];
  const regFields = ['key', 'address', 'quantity', 'type', 'function', 'scale', 'offset', 'device_id', 'byte_order', 'bit', 'deadband', 'tags', 'bogus'];

  it('either accepts a mutated payload or refuses it with a MODBUS_INVALID_* code naming a field (seeded)', () => {
    const rand = prng(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const payload = structuredClone(examplePayload) as Record<string, unknown>;
      const regs = payload.registers as Record<string, unknown>[];
      regs.push({ key: 'b', address: 10, type: 'int16' }, { key: 'c', address: 20, type: 'bool' });
      for (let m = 0; m < 1 + Math.floor(rand() * 3); m++) {
        if (rand() < 0.4) payload[pick(fields)] = pick(junk);
        else if (rand() < 0.2) delete payload[pick(fields)];
        else if (Array.isArray(payload.registers) && payload.registers.length > 0) {
          const r = pick(payload.registers as Record<string, unknown>[]);
          if (typeof r === 'object' && r !== null) r[pick(regFields)] = pick(junk);
        }
      }
      try {
        parseDeviceSpec(payload);
        accepted++;
      } catch (err) {
        expect(err).toBeInstanceOf(OutriggerError);
        const e = err as OutriggerError;
        expect(['MODBUS_INVALID_DEVICE', 'MODBUS_INVALID_REGISTER']).toContain(e.code);
        const field = (e.data as { field: string }).field;
        expect(field).toMatch(/^[a-z_]+|^registers\[\d+\](\.[a-z_]+)?$|^\(root\)$/i);
        expect(e.message.startsWith(`${field}: `)).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
