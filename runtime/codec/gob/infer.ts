// Inferring a gob type from a JS value, for replies whose Go type was not given.
// Rule (documented in ../gob.ts): boolean -> bool, string -> string, integer
// number in int64 range -> int ('int64' in interfaces), other number -> float,
// bigint -> int or uint, Uint8Array -> []byte, array -> []T when all elements
// infer to the same T (ints mixed with floats -> float) else []interface{},
// Map -> map[K]V by the same rule, plain object -> map[string]V by the same rule.
// Empty containers and nulls fall back to interface{}. Structs are never
// inferred: Go matches struct fields by exact exported name and a struct value
// can only be received into a struct, so the caller has to say so.
import {
  GOB_BOOL,
  GOB_BYTES,
  GOB_FLOAT,
  GOB_INT,
  GOB_INTERFACE,
  GOB_STRING,
  GOB_UINT,
  type GobMapType,
  type GobSliceType,
  type GobType,
} from './types.ts';

/** Marks a value to be sent inside an interface{} with a chosen concrete type (and registered Go name). */
export class GobInterfaceValue {
  constructor(
    readonly value: unknown,
    readonly type?: GobType,
    readonly name?: string,
  ) {}
}

export function gobInterface(value: unknown, type?: GobType, name?: string): GobInterfaceValue {
  return new GobInterfaceValue(value, type, name);
}

export class GobEncodeError extends Error {
  readonly code = 'GOB_ENCODE_INVALID';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const TWO_63 = 2 ** 63;

// Interned so equal inferred types share one object, hence one type id per stream.
const slices = new WeakMap<GobType, GobSliceType>();
const maps = new WeakMap<GobType, WeakMap<GobType, GobMapType>>();

export function sliceOf(elem: GobType): GobSliceType {
  let t = slices.get(elem);
  if (t === undefined) slices.set(elem, (t = Object.freeze({ kind: 'slice', elem })));
  return t;
}

export function mapOf(key: GobType, elem: GobType): GobMapType {
  let byElem = maps.get(key);
  if (byElem === undefined) maps.set(key, (byElem = new WeakMap()));
  let t = byElem.get(elem);
  if (t === undefined) byElem.set(elem, (t = Object.freeze({ kind: 'map', key, elem })));
  return t;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function inferGobType(value: unknown, path = ''): GobType {
  return infer(value, path, 0);
}

function infer(value: unknown, path: string, depth: number): GobType {
  if (depth > 256) throw new GobEncodeError('value nests deeper than 256 (cycle?)', path);
  switch (typeof value) {
    case 'boolean': return GOB_BOOL;
    case 'string': return GOB_STRING;
    case 'number': return Number.isInteger(value) && value >= -TWO_63 && value < TWO_63 ? GOB_INT : GOB_FLOAT;
    case 'bigint':
      if (value >= INT64_MIN && value < -INT64_MIN) return GOB_INT;
      if (value >= 0n && value <= UINT64_MAX) return GOB_UINT;
      throw new GobEncodeError('bigint outside int64/uint64', path);
    default:
  }
  if (value instanceof GobInterfaceValue) return value.type ?? infer(value.value, path, depth + 1);
  if (value instanceof Uint8Array) return GOB_BYTES;
  if (Array.isArray(value)) return sliceOf(unify(value, path, depth));
  if (value instanceof Map) {
    return mapOf(unify([...value.keys()], path, depth), unify([...value.values()], path, depth));
  }
  if (isPlainObject(value)) return mapOf(GOB_STRING, unify(Object.values(value), path, depth));
  const what = value === null || value === undefined ? String(value) : (value.constructor?.name ?? typeof value);
  throw new GobEncodeError(`cannot infer a gob type for ${what}`, path);
}

function unify(values: readonly unknown[], path: string, depth: number): GobType {
  let common: GobType | null = null;
  for (const v of values) {
    if (v === null || v === undefined) return GOB_INTERFACE;
    const t = infer(v, path, depth + 1);
    if (common === null || common === t) common = t;
    else if ((common === GOB_INT && t === GOB_FLOAT) || (common === GOB_FLOAT && t === GOB_INT)) common = GOB_FLOAT;
    else return GOB_INTERFACE;
  }
  return common ?? GOB_INTERFACE;
}
