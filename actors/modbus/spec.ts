// Device and register definitions: one schema for the ISP CONFIG payload,
// `modbus.configure` params and the static `modbus.devices` config entries,
// so a gateway's CONFIG payload can be pasted into sidecar.config.ts as is.
// Field names are snake_case as in the ISP gateway protocol's CONFIG message.
import { z } from 'zod';
import { OutriggerError } from '../../runtime/errors/error.ts';

export const VALUE_TYPES = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** Registers one value of the type occupies (string: set by quantity). */
export const TYPE_WORDS: Record<ValueType, number> = {
  bool: 1,
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  int64: 4,
  uint64: 4,
  float64: 4,
  string: 0,
};

/** Protocol limits of one read request (Modbus application protocol spec, 6.1–6.4). */
export const MAX_READ_REGISTERS = 125;
export const MAX_READ_BITS = 2000;

const order = z.enum(['big', 'little']);
const tagValue = z.union([z.string(), z.number(), z.boolean()]);

export const registerSchema = z.strictObject({
  key: z.string().min(1).max(256),
  address: z.number().int().min(0).max(65535),
  /** Registers (function 3/4) or bits (1/2) the value spans; defaults to the type's width. */
  quantity: z.number().int().min(1).max(MAX_READ_REGISTERS).optional(),
  type: z.enum(VALUE_TYPES),
  /** 1 coils, 2 discrete inputs, 3 holding registers, 4 input registers. Default: 1 for bool, else 3. */
  function: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
  scale: z.number().refine(Number.isFinite, 'must be finite').optional(),
  offset: z.number().refine(Number.isFinite, 'must be finite').optional(),
  /** Unit id (slave address); overrides the device's. */
  device_id: z.number().int().min(0).max(255).optional(),
  byte_order: order.optional(),
  word_order: order.optional(),
  /** bool read from a register (function 3/4): which bit, 0 = least significant. */
  bit: z.number().int().min(0).max(15).optional(),
  /** Report only when the value moves by more than this (implies on_change). */
  deadband: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
  on_change: z.boolean().optional(),
  tags: z.record(z.string(), tagValue).optional(),
});

export const deviceSchema = z.strictObject({
  /** Device name; also the `source` of its points. A gateway CONFIG without it gets one per gateway. */
  name: z
    .string()
    .min(1)
    .max(128)
    .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20), 'must not contain control characters')
    .optional(),
  mode: z.enum(['tcp', 'rtu-over-tcp', 'rtu']).default('tcp'),
  /** host:port for tcp and rtu-over-tcp (port defaults to 502); the serial device path for rtu. */
  address: z.string().min(1).max(256),
  timeout_ms: z.number().int().min(1).max(600_000).default(3000),
  interval_ms: z.number().int().min(10).max(86_400_000).default(1000),
  /** Unit id of registers that do not set their own. */
  device_id: z.number().int().min(0).max(255).default(1),
  byte_order: order.default('big'),
  word_order: order.default('big'),
  /** Unused registers (or bits) a merged read may span to cover two neighbours. */
  max_gap: z.number().int().min(0).max(MAX_READ_BITS).default(16),
  /** Longest merged read in registers (function 3/4, <= 125) or bits (1/2, <= 2000). Default: the protocol maximum. */
  max_length: z.number().int().min(1).max(MAX_READ_BITS).optional(),
  on_change: z.boolean().default(false),
  reconnect_min_ms: z.number().int().min(10).max(600_000).default(500),
  reconnect_max_ms: z.number().int().min(10).max(3_600_000).default(30_000),
  /** Unanswered requests in a row that open the device's circuit breaker (0: no breaker). */
  circuit_failures: z.number().int().min(0).max(1000).default(3),
  /** How long an open breaker fails polls fast before a trial request. */
  circuit_reset_ms: z.number().int().min(10).max(3_600_000).default(5000),
  baud_rate: z.number().int().positive().default(9600),
  data_bits: z.union([z.literal(7), z.literal(8)]).default(8),
  stop_bits: z.union([z.literal(1), z.literal(2)]).default(1),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  registers: z.array(registerSchema).max(100_000).default([]),
});

type DeviceParsed = z.output<typeof deviceSchema>;
type RegisterParsed = z.output<typeof registerSchema>;

export type FunctionCode = 1 | 2 | 3 | 4;

export interface RegisterSpec {
  readonly key: string;
  readonly address: number;
  /** Registers (fn 3/4) or bits (fn 1/2). */
  readonly quantity: number;
  readonly type: ValueType;
  readonly fn: FunctionCode;
  readonly unitId: number;
  readonly scale: number;
  readonly offset: number;
  readonly byteSwap: boolean;
  readonly wordSwap: boolean;
  readonly bit: number | undefined;
  readonly onChange: boolean;
  readonly deadband: number;
  readonly tags: Record<string, string | number | boolean> | undefined;
}

export interface DeviceSpec {
  readonly name: string;
  readonly mode: 'tcp' | 'rtu-over-tcp' | 'rtu';
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly maxGap: number;
  readonly maxLength: number | undefined;
  readonly reconnect: { readonly minMs: number; readonly maxMs: number };
  readonly circuit: { readonly failures: number; readonly resetMs: number };
  readonly serial: { readonly baudRate: number; readonly dataBits: 7 | 8; readonly stopBits: 1 | 2; readonly parity: 'none' | 'even' | 'odd' };
  readonly registers: readonly RegisterSpec[];
  /** Fields accepted as read differently from what they say (a CONFIG's RESPONSE carries them). */
  readonly warnings: readonly SpecWarning[];
  /** Device-level defaults, for registers given later (on-demand reads and writes by address). */
  readonly defaults: RegisterDefaults;
}

/** A field accepted with a different reading than it states, e.g. a float32 with `"quantity": 1`. */
export interface SpecWarning {
  readonly field: string;
  readonly message: string;
}

function fieldOf(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s === '' ? '(root)' : s;
}

function invalid(field: string, message: string, prefix: string): OutriggerError {
  const code = field.startsWith('registers[') ? 'MODBUS_INVALID_REGISTER' : 'MODBUS_INVALID_DEVICE';
  const shown = prefix + field;
  return new OutriggerError(code, `${shown}: ${message}`, { field: shown });
}

/**
 * Validates a device definition. Errors are MODBUS_INVALID_DEVICE or
 * MODBUS_INVALID_REGISTER with `data.field` naming the first bad field
 * (`prefix` is prepended, e.g. `payload.`).
 */
export function parseDeviceSpec(raw: unknown, prefix = ''): DeviceSpec & { named: boolean } {
  const r = deviceSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = [...issue.path];
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]!);
    const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    throw invalid(fieldOf(path), message, prefix);
  }
  return normalizeDevice(r.data, prefix);
}

function normalizeDevice(d: DeviceParsed, prefix: string): DeviceSpec & { named: boolean } {
  let host = '';
  let port = 0;
  if (d.mode !== 'rtu') {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(d.address);
    port = m?.[3] === undefined ? 502 : Number(m[3]);
    if (!m || port < 1 || port > 65535) throw invalid('address', `'${d.address}' is not host:port`, prefix);
    host = m[1] ?? m[2]!;
  }
  if (d.reconnect_max_ms < d.reconnect_min_ms) throw invalid('reconnect_max_ms', 'must be >= reconnect_min_ms', prefix);
  const keys = new Set<string>();
  const warnings: SpecWarning[] = [];
  const registers = d.registers.map((reg, i) => {
    if (keys.has(reg.key)) throw invalid(`registers[${i}].key`, `duplicate key '${reg.key}'`, prefix);
    keys.add(reg.key);
    return normalizeRegister(reg, d, `registers[${i}]`, prefix, warnings);
  });
  return {
    name: d.name ?? '',
    named: d.name !== undefined,
    mode: d.mode,
    address: d.address,
    host,
    port,
    timeoutMs: d.timeout_ms,
    intervalMs: d.interval_ms,
    maxGap: d.max_gap,
    maxLength: d.max_length,
    reconnect: { minMs: d.reconnect_min_ms, maxMs: d.reconnect_max_ms },
    circuit: { failures: d.circuit_failures, resetMs: d.circuit_reset_ms },
    serial: { baudRate: d.baud_rate, dataBits: d.data_bits, stopBits: d.stop_bits, parity: d.parity },
    registers,
    warnings,
    defaults: { device_id: d.device_id, byte_order: d.byte_order, word_order: d.word_order, on_change: d.on_change },
  };
}

export type RegisterDefaults = Pick<DeviceParsed, 'device_id' | 'byte_order' | 'word_order' | 'on_change'>;
type Defaults = RegisterDefaults;

/** Validates one register on its own (on-demand reads of addresses not in the config). */
export function parseRegisterSpec(raw: unknown, defaults: Defaults, field: string): RegisterSpec {
  const r = registerSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = [...issue.path];
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]!);
    const sub = fieldOf(path);
    throw new OutriggerError('MODBUS_INVALID_REGISTER', `${field}.${sub}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}`, {
      field: `${field}.${sub}`,
    });
  }
  return normalizeRegister(r.data, defaults, field, '');
}

/**
 * The cross-field rules of one register. A multi-register type given a
 * smaller `quantity` (the ISP gateway protocol's own CONFIG example sends a
 * float32 with `"quantity": 1`) reads the type's full width, with a warning
 * naming the field: a gateway that sends it can only mean that one value. A
 * larger quantity is refused, as it could mean a longer read or several values.
 */
function normalizeRegister(reg: RegisterParsed, d: Defaults, at: string, prefix: string, warnings: SpecWarning[] = []): RegisterSpec {
  const bad = (f: string, msg: string): OutriggerError => {
    const field = `${prefix}${at}.${f}`;
    return new OutriggerError('MODBUS_INVALID_REGISTER', `${field}: ${msg}`, { field });
  };
  const type = reg.type;
  const fn: FunctionCode = reg.function ?? (type === 'bool' ? 1 : 3);
  const bits = fn === 1 || fn === 2;
  if (bits && type !== 'bool') throw bad('function', `function ${fn} reads single bits; type must be bool, not ${type}`);
  const width = type === 'string' ? undefined : TYPE_WORDS[type];
  if (type === 'string' && reg.quantity === undefined) throw bad('quantity', 'a string needs quantity (registers, 2 characters each)');
  let quantity = reg.quantity ?? width!;
  if (width !== undefined && quantity !== width) {
    const unit = bits ? 'bit' : width === 1 ? 'register' : 'registers';
    if (quantity > width) throw bad('quantity', `${type} spans ${width} ${unit}, quantity is ${quantity}`);
    const field = `${prefix}${at}.quantity`;
    warnings.push({ field, message: `${field}: ${type} spans ${width} ${unit}; quantity ${quantity} is read as ${width}` });
    quantity = width;
  }
  if (reg.address + quantity - 1 > 65535) {
    throw bad('address', `address ${reg.address} + quantity ${quantity} runs past 65535`);
  }
  if (reg.bit !== undefined && (type !== 'bool' || bits)) throw bad('bit', 'bit selects one bit of a register: only for bool with function 3 or 4');
  const numeric = type !== 'bool' && type !== 'string';
  if (!numeric && (reg.scale !== undefined || reg.offset !== undefined || reg.deadband !== undefined)) {
    throw bad(reg.scale !== undefined ? 'scale' : reg.offset !== undefined ? 'offset' : 'deadband', `not applicable to ${type}`);
  }
  return {
    key: reg.key,
    address: reg.address,
    quantity,
    type,
    fn,
    unitId: reg.device_id ?? d.device_id,
    scale: reg.scale ?? 1,
    offset: reg.offset ?? 0,
    byteSwap: (reg.byte_order ?? d.byte_order) === 'little',
    wordSwap: (reg.word_order ?? d.word_order) === 'little',
    bit: reg.bit,
    onChange: reg.on_change ?? (reg.deadband !== undefined ? true : d.on_change),
    deadband: reg.deadband ?? 0,
    tags: reg.tags,
  };
}
