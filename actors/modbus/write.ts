// `modbus.write`: by configured key (type, order, scale applied in reverse)
// or raw by address with function 5, 6, 15 or 16.
import { OutriggerError } from '../../runtime/errors/error.ts';
import type { DeviceLink } from './link.ts';
import { type DeviceSpec, type RegisterSpec, parseRegisterSpec } from './spec.ts';
import { encodeCoil, encodeRegisters } from './values.ts';

type Params = Record<string, unknown>;
type WriteFn = 5 | 6 | 15 | 16;

interface WritePlan {
  fn: WriteFn;
  unit: number;
  address: number;
  coils?: boolean[];
  words?: number[];
}

function invalid(field: string, message: string): OutriggerError {
  return new OutriggerError('INVALID_PARAMS', `params.${field}: ${message}`, { field });
}

function requireValue(p: Params): unknown {
  if (!('value' in p)) throw invalid('value', 'missing');
  return p.value;
}

function wordOf(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -32768 || v > 65535) throw invalid(field, 'must be an integer register value (-32768..65535)');
  return v & 0xffff;
}

function coilOf(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  throw invalid(field, 'must be true/false (or 1/0)');
}

function planByKey(reg: RegisterSpec, p: Params, fn: WriteFn | undefined): WritePlan {
  if (reg.fn === 2 || reg.fn === 4) {
    const table = reg.fn === 2 ? 'a discrete input' : 'an input register';
    throw new OutriggerError('MODBUS_NOT_WRITABLE', `'${reg.key}' is ${table} (function ${reg.fn}), which is read-only`, { key: reg.key });
  }
  const value = requireValue(p);
  if (reg.fn === 1) {
    const f = fn ?? 5;
    if (f !== 5 && f !== 15) throw invalid('function', `'${reg.key}' is a coil: use function 5 or 15`);
    return { fn: f, unit: reg.unitId, address: reg.address, coils: [encodeCoil(reg, value)] };
  }
  const words = encodeRegisters(reg, value);
  const f = fn ?? (words.length === 1 ? 6 : 16);
  if (f !== 6 && f !== 16) throw invalid('function', `'${reg.key}' is a holding register: use function 6 or 16`);
  if (f === 6 && words.length !== 1) throw invalid('function', `function 6 writes one register; '${reg.key}' spans ${words.length}`);
  return { fn: f, unit: reg.unitId, address: reg.address, words };
}

function planRaw(spec: DeviceSpec, p: Params, fn: WriteFn | undefined): WritePlan {
  if (fn === undefined) throw invalid('function', 'give "key", or "function" (5, 6, 15 or 16) with "address"');
  const address = p.address;
  if (typeof address !== 'number' || !Number.isInteger(address) || address < 0 || address > 65535) throw invalid('address', 'must be an integer 0..65535');
  const unit = p.device_id === undefined ? spec.defaults.device_id : p.device_id;
  if (typeof unit !== 'number' || !Number.isInteger(unit) || unit < 0 || unit > 255) throw invalid('device_id', 'must be an integer 0..255');
  const base = { fn, unit, address };
  if (fn === 5) return { ...base, coils: [coilOf(requireValue(p), 'value')] };
  if (fn === 15) {
    if (!Array.isArray(p.values) || p.values.length < 1 || p.values.length > 1968) throw invalid('values', 'must be an array of 1..1968 booleans');
    return { ...base, coils: p.values.map((v, i) => coilOf(v, `values[${i}]`)) };
  }
  let words: number[];
  if (p.type !== undefined) {
    const reg = parseRegisterSpec(
      { key: 'value', address, type: p.type, quantity: p.quantity, byte_order: p.byte_order, word_order: p.word_order, device_id: unit },
      spec.defaults,
      'params',
    );
    words = encodeRegisters(reg, requireValue(p));
  } else if (fn === 16) {
    if (!Array.isArray(p.values) || p.values.length < 1 || p.values.length > 123) throw invalid('values', 'must be an array of 1..123 register values');
    words = p.values.map((v, i) => wordOf(v, `values[${i}]`));
  } else words = [wordOf(requireValue(p), 'value')];
  if (fn === 6 && words.length !== 1) throw invalid('function', `function 6 writes one register; the value spans ${words.length}`);
  if (address + words.length - 1 > 65535) throw invalid('address', 'the write runs past register 65535');
  return { ...base, words };
}

export async function performWrite(link: DeviceLink, spec: DeviceSpec, reg: RegisterSpec | undefined, p: Params): Promise<Record<string, unknown>> {
  const f = p.function;
  if (f !== undefined && f !== 5 && f !== 6 && f !== 15 && f !== 16) throw invalid('function', 'must be 5, 6, 15 or 16');
  const plan = reg ? planByKey(reg, p, f) : planRaw(spec, p, f);
  await link.request(async (c) => {
    c.setID(plan.unit);
    switch (plan.fn) {
      case 5:
        return c.writeCoil(plan.address, plan.coils![0]!);
      case 15:
        return c.writeCoils(plan.address, plan.coils!);
      case 6:
        return c.writeRegister(plan.address, plan.words![0]!);
      case 16:
        return c.writeRegisters(plan.address, plan.words!);
    }
  });
  const count = plan.coils?.length ?? plan.words!.length;
  return { device: spec.name, ...(reg ? { key: reg.key } : {}), function: plan.fn, address: plan.address, count };
}
