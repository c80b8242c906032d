// Register bytes <-> typed values. Pure.
//
// Modbus sends each 16-bit register high byte first. For multi-register
// types, "word order big" puts the most significant register first.
// In the ABCD notation of Telegraf/Neuron (A = most significant byte):
//   byte big,    word big    -> ABCD      byte little, word big    -> BADC
//   byte big,    word little -> CDAB      byte little, word little -> DCBA
// Strings keep their register order; byte order says which character of a
// register comes first.
import { OutriggerError } from '../../runtime/errors/error.ts';
import type { RegisterSpec, ValueType } from './spec.ts';

export type RawValue = number | bigint | boolean | string;

const scratch = Buffer.alloc(8);

/** Copies `words` registers into canonical big-endian order (into `scratch`). */
function arrange(src: Uint8Array, off: number, words: number, byteSwap: boolean, wordSwap: boolean, dst: Uint8Array): void {
  for (let w = 0; w < words; w++) {
    const s = off + (wordSwap ? words - 1 - w : w) * 2;
    const hi = src[s]!;
    const lo = src[s + 1]!;
    dst[w * 2] = byteSwap ? lo : hi;
    dst[w * 2 + 1] = byteSwap ? hi : lo;
  }
}

/** Shortest decimal that reads back as the same float32 (7 digits suffice for most). */
export function float32Shortest(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 7; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

function readNumeric(type: ValueType, buf: Buffer, off: number): number | bigint {
  switch (type) {
    case 'int16':
      return buf.readInt16BE(off);
    case 'uint16':
      return buf.readUInt16BE(off);
    case 'int32':
      return buf.readInt32BE(off);
    case 'uint32':
      return buf.readUInt32BE(off);
    case 'float32':
      return float32Shortest(buf.readFloatBE(off));
    case 'float64':
      return buf.readDoubleBE(off);
    case 'int64': {
      const v = buf.readBigInt64BE(off);
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    }
    case 'uint64': {
      const v = buf.readBigUInt64BE(off);
      return v <= 9007199254740991n ? Number(v) : v;
    }
    default:
      throw new Error(`not numeric: ${type}`);
  }
}

/**
 * Decodes one register value from response bytes (`bytes` holds the
 * registers of a whole read, `off` is this value's first byte). Bits (fn 1/2)
 * go through decodeBit instead.
 */
export function decodeRegisters(reg: RegisterSpec, bytes: Buffer, off: number): RawValue {
  const type = reg.type;
  if (type === 'string') return decodeString(bytes, off, reg.quantity, reg.byteSwap);
  if (type === 'bool') {
    const word = reg.byteSwap ? bytes[off]! | (bytes[off + 1]! << 8) : (bytes[off]! << 8) | bytes[off + 1]!;
    return reg.bit === undefined ? word !== 0 : ((word >> reg.bit) & 1) === 1;
  }
  let raw: number | bigint;
  if (!reg.byteSwap && !reg.wordSwap) raw = readNumeric(type, bytes, off);
  else {
    arrange(bytes, off, reg.quantity, reg.byteSwap, reg.wordSwap, scratch);
    raw = readNumeric(type, scratch, 0);
  }
  return applyScale(reg, raw);
}

/** Bit `index` of a packed coil/discrete-input response (LSB of the first byte is the first bit). */
export function decodeBit(bytes: Uint8Array, index: number): boolean {
  return ((bytes[index >> 3]! >> (index & 7)) & 1) === 1;
}

function decodeString(b: Uint8Array, off: number, words: number, byteSwap: boolean): string {
  const tmp = Buffer.allocUnsafe(words * 2);
  for (let w = 0; w < words; w++) {
    tmp[w * 2] = b[off + w * 2 + (byteSwap ? 1 : 0)]!;
    tmp[w * 2 + 1] = b[off + w * 2 + (byteSwap ? 0 : 1)]!;
  }
  let end = tmp.indexOf(0);
  if (end < 0) end = tmp.length;
  return tmp.utf8Slice(0, end);
}

function applyScale(reg: RegisterSpec, raw: number | bigint): number | bigint {
  if (reg.scale === 1 && reg.offset === 0) return raw;
  const v = Number(raw) * reg.scale + reg.offset;
  // Drop binary noise of the multiplication (25.3 rather than 25.299999999999997).
  return Number.isFinite(v) ? Number(v.toPrecision(15)) : v;
}

/** JSON text of a decoded value: exact digits for 64-bit integers, null for NaN/Infinity. */
export function valueJson(v: RawValue | null): string {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    default:
      return 'null';
  }
}

// ---- writes ----------------------------------------------------------------

const INT_RANGE: Partial<Record<ValueType, [bigint, bigint]>> = {
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

function outOfRange(key: string, msg: string): OutriggerError {
  return new OutriggerError('MODBUS_VALUE_OUT_OF_RANGE', `${key}: ${msg}`, { key });
}

function toBool(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  throw new OutriggerError('INVALID_PARAMS', `${key}: value must be true/false (or 1/0)`, { field: 'value' });
}

/** Turns a value (after reversing scale and offset) into an integer of the type, range-checked. */
function toInteger(reg: RegisterSpec, value: unknown): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
  else if (typeof value === 'number' && Number.isFinite(value)) {
    const raw = reg.scale === 1 && reg.offset === 0 ? value : (value - reg.offset) / reg.scale;
    n = BigInt(Math.round(raw));
  } else throw new OutriggerError('INVALID_PARAMS', `${reg.key}: value must be a number (or a string of digits)`, { field: 'value' });
  const [lo, hi] = INT_RANGE[reg.type]!;
  if (n < lo || n > hi) throw outOfRange(reg.key, `${n} does not fit ${reg.type} (${lo}..${hi}) after scale/offset`);
  return n;
}

/** Registers to write for a value, in wire order (16-bit numbers). */
export function encodeRegisters(reg: RegisterSpec, value: unknown): number[] {
  const bytes = Buffer.alloc(reg.quantity * 2);
  switch (reg.type) {
    case 'bool':
      if (reg.bit !== undefined) {
        throw new OutriggerError('MODBUS_NOT_WRITABLE', `${reg.key}: a single bit inside a register cannot be written; write the register`);
      }
      bytes.writeUInt16BE(toBool(reg.key, value) ? 1 : 0, 0);
      break;
    case 'string': {
      if (typeof value !== 'string') throw new OutriggerError('INVALID_PARAMS', `${reg.key}: value must be a string`, { field: 'value' });
      const text = Buffer.from(value, 'utf8');
      if (text.length > bytes.length) throw outOfRange(reg.key, `${text.length} bytes do not fit ${reg.quantity} registers`);
      text.copy(bytes);
      break;
    }
    case 'float32':
    case 'float64': {
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw new OutriggerError('INVALID_PARAMS', `${reg.key}: value must be a number`, { field: 'value' });
      }
      const raw = (value - reg.offset) / reg.scale;
      if (reg.type === 'float32') {
        if (Number.isFinite(raw) && !Number.isFinite(Math.fround(raw))) throw outOfRange(reg.key, `${raw} overflows float32`);
        bytes.writeFloatBE(raw, 0);
      } else bytes.writeDoubleBE(raw, 0);
      break;
    }
    default: {
      const n = toInteger(reg, value);
      if (reg.type === 'int64') bytes.writeBigInt64BE(n, 0);
      else if (reg.type === 'uint64') bytes.writeBigUInt64BE(n, 0);
      else if (reg.quantity === 2) bytes.writeUInt32BE(Number(BigInt.asUintN(32, n)), 0);
      else bytes.writeUInt16BE(Number(BigInt.asUintN(16, n)), 0);
    }
  }
  // The swaps are their own inverse, so arranging canonical bytes gives wire order.
  const wire = Buffer.alloc(bytes.length);
  if (reg.type === 'string') {
    for (let w = 0; w < reg.quantity; w++) {
      wire[w * 2] = bytes[w * 2 + (reg.byteSwap ? 1 : 0)]!;
      wire[w * 2 + 1] = bytes[w * 2 + (reg.byteSwap ? 0 : 1)]!;
    }
  } else arrange(bytes, 0, reg.quantity, reg.byteSwap, reg.wordSwap, wire);
  const words: number[] = [];
  for (let w = 0; w < reg.quantity; w++) words.push(wire.readUInt16BE(w * 2));
  return words;
}

/** Value of a coil write (function 1 registers). */
export function encodeCoil(reg: RegisterSpec, value: unknown): boolean {
  return toBool(reg.key, value);
}
