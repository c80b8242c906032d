// Type descriptions shared by the gob decoder (which returns them) and encoder
// (which takes them). They mirror gob's wire types, not Go's full type system:
// every signed integer width is 'int', every float width is 'float'.

export type GobBasicKind = 'bool' | 'int' | 'uint' | 'float' | 'complex' | 'string' | 'bytes' | 'interface';

/** `name` is the Go name used when the value travels inside an interface (e.g. 'int' vs the default 'int64'). */
export interface GobBasicType {
  readonly kind: GobBasicKind;
  readonly name?: string;
}
export interface GobSliceType {
  readonly kind: 'slice';
  readonly elem: GobType;
  readonly name?: string;
}
export interface GobArrayType {
  readonly kind: 'array';
  readonly elem: GobType;
  readonly len: number;
  readonly name?: string;
}
export interface GobMapType {
  readonly kind: 'map';
  readonly key: GobType;
  readonly elem: GobType;
  readonly name?: string;
}
export interface GobField {
  /** Exact Go field name; Go matches case-sensitively and ignores unexported (lower-case) names. */
  readonly name: string;
  readonly type: GobType;
}
export interface GobStructType {
  readonly kind: 'struct';
  /** Inside an interface this must be the name the Go side registered, e.g. 'main.Inner'. */
  readonly name: string;
  readonly fields: readonly GobField[];
}
/** Types implementing GobEncoder / BinaryMarshaler / TextMarshaler (time.Time, big.Int...): opaque bytes. */
export interface GobEncoderType {
  readonly kind: 'gobEncoder';
  readonly name: string;
  readonly via: 'gob' | 'binary' | 'text';
}

export type GobType = GobBasicType | GobSliceType | GobArrayType | GobMapType | GobStructType | GobEncoderType;

export interface GobComplex {
  readonly real: number;
  readonly imag: number;
}

export type GobValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | GobComplex
  | GobValue[]
  | Map<GobValue, GobValue>
  | { [field: string]: GobValue };

// Ids the gob connection knows a priori (encoding/gob type.go).
export const BUILTIN_IDS: Readonly<Record<GobBasicKind, number>> = {
  bool: 1,
  int: 2,
  uint: 3,
  float: 4,
  bytes: 5,
  string: 6,
  complex: 7,
  interface: 8,
};
export const FIRST_USER_ID = 64;

const basic = (kind: GobBasicKind): GobBasicType => Object.freeze({ kind });
export const GOB_BOOL = basic('bool');
export const GOB_INT = basic('int');
export const GOB_UINT = basic('uint');
export const GOB_FLOAT = basic('float');
export const GOB_COMPLEX = basic('complex');
export const GOB_STRING = basic('string');
export const GOB_BYTES = basic('bytes');
export const GOB_INTERFACE = basic('interface');

export const BUILTIN_BY_ID: ReadonlyMap<number, GobBasicType> = new Map([
  [1, GOB_BOOL],
  [2, GOB_INT],
  [3, GOB_UINT],
  [4, GOB_FLOAT],
  [5, GOB_BYTES],
  [6, GOB_STRING],
  [7, GOB_COMPLEX],
  [8, GOB_INTERFACE],
]);

export function isBasic(t: GobType): t is GobBasicType {
  return t.kind in BUILTIN_IDS;
}

const DEFAULT_NAMES: Readonly<Record<GobBasicKind, string>> = {
  bool: 'bool',
  int: 'int64',
  uint: 'uint64',
  float: 'float64',
  complex: 'complex128',
  string: 'string',
  bytes: '[]uint8',
  interface: 'interface {}',
};

/**
 * Go's reflect.Type.String() for the type, which is the name encoding/gob
 * registers: basic types and their slices are pre-registered ('string', '[]string',
 * 'int64'...); anything else (e.g. 'map[string]interface {}') must be registered
 * with gob.Register on the Go side before it can travel inside an interface.
 */
export function goTypeName(t: GobType, depth = 0): string {
  if (t.name) return t.name;
  if (depth > 64) throw new RangeError('gob type nesting too deep to name');
  switch (t.kind) {
    case 'slice': return `[]${goTypeName(t.elem, depth + 1)}`;
    case 'array': return `[${t.len}]${goTypeName(t.elem, depth + 1)}`;
    case 'map': return `map[${goTypeName(t.key, depth + 1)}]${goTypeName(t.elem, depth + 1)}`;
    case 'struct':
    case 'gobEncoder': return t.name;
    default: return DEFAULT_NAMES[t.kind];
  }
}

/** Defines an own property even for '__proto__', which plain assignment would turn into a prototype swap. */
export function setProp(obj: Record<string, GobValue>, key: string, value: GobValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
