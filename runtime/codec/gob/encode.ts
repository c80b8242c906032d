// Gob encoder: one JS value -> a self-contained gob stream (type definitions
// first, then the value), i.e. what a fresh gob.NewEncoder(buf).Encode(v) writes,
// which is what goridge's codecs create for every frame body.
import { encodeTopString } from './top-string.ts';
import { GobWriter } from './wire.ts';
import { GobEncodeError, GobInterfaceValue, inferGobType, isPlainObject } from './infer.ts';
import {
  BUILTIN_IDS,
  type GobStructType,
  type GobType,
  goTypeName,
  isBasic,
} from './types.ts';

const FIRST_ID = 65; // any id >= 64 is accepted; 65 matches the encoding/gob docs' example
const INT64_LIMIT = 2n ** 63n;
const UINT64_MAX = 2n ** 64n - 1n;
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;
const WIRE_FIELD = { array: 0, slice: 1, struct: 2, map: 3 } as const;
const VIA_FIELD = { gob: 4, binary: 5, text: 6 } as const;

export function encodeGob(value: unknown, type?: GobType): Buffer {
  if (typeof value === 'string' && (type === undefined || type.kind === 'string')) return encodeTopString(value);
  return new Encoder().top(value, type);
}

function commonName(t: GobType): string {
  try {
    return goTypeName(t);
  } catch {
    return ''; // a self-referential unnamed type has no finite Go name; the name is informational
  }
}

class Encoder {
  readonly #out = new GobWriter(256);
  readonly #writers: GobWriter[] = [this.#out];
  readonly #ids = new Map<GobType, number>();
  readonly #sent = new Set<GobType>();
  readonly #path: string[] = [];
  #nextId = FIRST_ID;

  top(value: unknown, type: GobType | undefined): Buffer {
    let v = value;
    let t = type;
    if (v instanceof GobInterfaceValue) {
      t ??= v.type;
      v = v.value;
    }
    if (v === null || v === undefined) throw new GobEncodeError('gob: cannot encode nil value', '');
    t ??= inferGobType(v);
    // Go's Encode sees the dynamic type, never an interface, at top level.
    if (t.kind === 'interface') t = inferGobType(v);
    const b = new GobWriter();
    this.#sendType(this.#out, b, t);
    b.int(this.#id(t));
    this.#body(b, v, t);
    this.#writeMessage(this.#out, b);
    return this.#out.view();
  }

  #fail(message: string): never {
    throw new GobEncodeError(message, this.#path.join(''));
  }

  #id(t: GobType): number {
    if (isBasic(t)) return BUILTIN_IDS[t.kind];
    let id = this.#ids.get(t);
    if (id === undefined) this.#ids.set(t, (id = this.#nextId++));
    return id;
  }

  #writeMessage(w: GobWriter, m: GobWriter): void {
    w.uint(m.length);
    w.bytes(m.view());
    m.reset();
  }

  // encoder.go sendActualType: the definition goes into the *current* buffer, which is
  // then flushed as a message to w; inner types follow as their own messages.
  #sendType(w: GobWriter, b: GobWriter, t: GobType): void {
    if (isBasic(t) || this.#sent.has(t)) return;
    const id = this.#id(t);
    b.int(-id);
    this.#wireType(b, t, id);
    this.#writeMessage(w, b);
    this.#sent.add(t);
    switch (t.kind) {
      case 'struct':
        for (const f of t.fields) this.#sendType(w, b, f.type);
        return;
      case 'map':
        this.#sendType(w, b, t.key);
        this.#sendType(w, b, t.elem);
        return;
      case 'slice':
      case 'array':
        this.#sendType(w, b, t.elem);
        return;
      default:
    }
  }

  #wireType(b: GobWriter, t: Exclude<GobType, { kind: 'bool' }>, id: number): void {
    if (isBasic(t)) return;
    b.uint((t.kind === 'gobEncoder' ? VIA_FIELD[t.via] : WIRE_FIELD[t.kind]) + 1);
    b.uint(1); // CommonType, field 0 of every *Type
    const name = commonName(t);
    if (name !== '') {
      b.uint(1);
      b.string(name);
    }
    b.uint(name !== '' ? 1 : 2);
    b.int(id);
    b.uint(0);
    switch (t.kind) {
      case 'slice':
        b.uint(1);
        b.int(this.#id(t.elem));
        break;
      case 'array':
        b.uint(1);
        b.int(this.#id(t.elem));
        if (t.len !== 0) {
          b.uint(1);
          b.int(t.len);
        }
        break;
      case 'map':
        b.uint(1);
        b.int(this.#id(t.key));
        b.uint(1);
        b.int(this.#id(t.elem));
        break;
      case 'struct':
        if (t.fields.length === 0) break;
        b.uint(1);
        b.uint(t.fields.length);
        for (const f of t.fields) {
          if (f.name === '') this.#fail(`struct ${t.name} has a field without a name`);
          b.uint(1);
          b.string(f.name);
          b.uint(1);
          b.int(this.#id(f.type));
          b.uint(0);
        }
        break;
      default:
    }
    b.uint(0);
    b.uint(0);
  }

  /** Top-level and interface values: structs as is, anything else as a singleton behind delta 0. */
  #body(b: GobWriter, v: unknown, t: GobType): void {
    if (t.kind === 'struct') return this.#struct(b, v, t);
    b.uint(0);
    this.#field(b, v, t);
  }

  #struct(b: GobWriter, v: unknown, t: GobStructType): void {
    if (!isPlainObject(v)) this.#fail(`expected a plain object for struct ${t.name}`);
    for (const key of Object.keys(v)) {
      // Strict on purpose: Go field names are capitalized and 'name' would silently vanish.
      if (!t.fields.some((f) => f.name === key)) this.#fail(`struct ${t.name} has no field ${key}`);
    }
    let last = -1;
    t.fields.forEach((f, i) => {
      const fv = v[f.name];
      if (isZero(fv, f.type)) return;
      this.#path.push(`.${f.name}`);
      b.uint(i - last);
      last = i;
      this.#field(b, fv, f.type);
      this.#path.pop();
    });
    b.uint(0);
  }

  #elem(b: GobWriter, v: unknown, t: GobType, label: string): void {
    this.#path.push(label);
    if (v === null || v === undefined) {
      if (t.kind !== 'interface') this.#fail('nil element (only interface elements may be null)');
      b.uint(0);
    } else {
      this.#field(b, v, t);
    }
    this.#path.pop();
  }

  #field(b: GobWriter, v: unknown, t: GobType): void {
    switch (t.kind) {
      case 'bool':
        if (typeof v !== 'boolean') this.#fail(`expected boolean, got ${typeof v}`);
        return b.uint(v ? 1 : 0);
      case 'int':
        if (!isIntIn(v, -TWO_63, TWO_63, -INT64_LIMIT, INT64_LIMIT - 1n)) {
          this.#fail(`expected an int64 (integer number or bigint), got ${String(v)}`);
        }
        return b.int(v);
      case 'uint':
        if (!isIntIn(v, 0, TWO_64, 0n, UINT64_MAX)) {
          this.#fail(`expected a uint64 (integer number or bigint), got ${String(v)}`);
        }
        return b.uint(v);
      case 'float':
        if (typeof v !== 'number') this.#fail(`expected number, got ${typeof v}`);
        return b.float(v);
      case 'complex':
        if (!isComplex(v)) this.#fail('expected {real: number, imag: number}');
        b.float(v.real);
        return b.float(v.imag);
      case 'string':
        if (typeof v !== 'string') this.#fail(`expected string, got ${typeof v}`);
        return b.string(v);
      case 'bytes':
      case 'gobEncoder':
        if (t.kind === 'gobEncoder' && t.via === 'text' && typeof v === 'string') return b.string(v);
        if (!(v instanceof Uint8Array)) this.#fail('expected a Buffer/Uint8Array');
        b.uint(v.length);
        return b.bytes(v);
      case 'slice':
      case 'array':
        if (!Array.isArray(v)) this.#fail(`expected an array for ${commonName(t)}`);
        if (t.kind === 'array' && v.length !== t.len) this.#fail(`expected ${t.len} elements, got ${v.length}`);
        b.uint(v.length);
        v.forEach((e, i) => this.#elem(b, e, t.elem, `[${i}]`));
        return;
      case 'map':
        return this.#map(b, v, t.key, t.elem);
      case 'struct':
        return this.#struct(b, v, t);
      case 'interface':
        return this.#interface(b, v);
    }
  }

  #map(b: GobWriter, v: unknown, key: GobType, elem: GobType): void {
    let entries: [unknown, unknown][];
    if (v instanceof Map) entries = [...(v as Map<unknown, unknown>).entries()];
    else if (isPlainObject(v)) entries = Object.entries(v).map(([k, x]) => [objectKey(k, key), x]);
    else this.#fail('expected a Map or plain object');
    b.uint(entries.length);
    for (const [k, x] of entries) {
      this.#elem(b, k, key, `{key ${String(k)}}`);
      this.#elem(b, x, elem, `[${String(k)}]`);
    }
  }

  // encode.go encodeInterface: name, type definitions (which flush the buffer built so
  // far), type id, then the value as a length-delimited message.
  #interface(b: GobWriter, v: unknown): void {
    const wrapped = v instanceof GobInterfaceValue ? v : null;
    const value = wrapped ? wrapped.value : v;
    if (value === null || value === undefined) this.#fail('cannot encode nil pointer inside interface');
    const t = wrapped?.type ?? inferGobType(value, this.#path.join(''));
    if (t.kind === 'interface') this.#fail('an interface value cannot have interface type');
    b.string(wrapped?.name ?? goTypeName(t));
    this.#sendType(this.#writers[this.#writers.length - 1]!, b, t);
    b.int(this.#id(t));
    this.#writers.push(b);
    const data = new GobWriter();
    this.#body(data, value, t);
    this.#writers.pop();
    this.#writeMessage(b, data);
  }
}

function isIntIn(v: unknown, min: number, maxExclusive: number, bigMin: bigint, bigMax: bigint): v is number | bigint {
  if (typeof v === 'bigint') return v >= bigMin && v <= bigMax;
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v < maxExclusive;
}

function isComplex(v: unknown): v is { real: number; imag: number } {
  return isPlainObject(v) && typeof v['real'] === 'number' && typeof v['imag'] === 'number';
}

/** Plain-object keys are strings; numeric Go key types accept their decimal spelling. */
function objectKey(k: string, key: GobType): unknown {
  if ((key.kind === 'int' || key.kind === 'uint') && /^-?\d+$/.test(k)) {
    const n = BigInt(k);
    return n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if (key.kind === 'float' && k.trim() !== '' && !Number.isNaN(Number(k))) return Number(k);
  return k;
}

/** Go omits zero-valued struct fields (encode.go: `value != 0 || state.sendZero`). */
function isZero(v: unknown, t: GobType): boolean {
  if (v === undefined || v === null) return true;
  switch (t.kind) {
    case 'bool': return v === false;
    case 'int':
    case 'uint':
    case 'float': return v === 0 || v === 0n;
    case 'complex': return isComplex(v) && v.real === 0 && v.imag === 0;
    case 'string': return v === '';
    case 'bytes': return v instanceof Uint8Array && v.length === 0;
    case 'slice': return Array.isArray(v) && v.length === 0;
    default: return false;
  }
}
