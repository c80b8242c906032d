// Gob stream decoder producing JS values plus the wire type description. A port of
// encoding/gob's decoder.go/decode.go control flow (message handling, type
// sequences, struct deltas) without Go's local-type matching: values are decoded
// purely from the wire types the stream defines.
import { GobCursor } from './wire.ts';
import {
  BUILTIN_BY_ID,
  FIRST_USER_ID,
  GOB_INTERFACE,
  type GobField,
  type GobStructType,
  type GobType,
  type GobValue,
  setProp,
} from './types.ts';

type Wire =
  | { kind: 'array'; name: string; elem: number; len: number }
  | { kind: 'slice'; name: string; elem: number }
  | { kind: 'struct'; name: string; fields: { name: string; id: number }[] }
  | { kind: 'map'; name: string; key: number; elem: number }
  | { kind: 'gobEncoder'; name: string; via: 'gob' | 'binary' | 'text' };

export interface GobDecodeOptions {
  /** Nesting limit for values and types; Go has none, but JS recursion must be bounded. */
  maxDepth?: number;
}

/*
 * Work bound. Every slice, array and map element is read from at least one
 * byte of the current message, so element counts are bounded by the input.
 * Struct values are not: Go omits zero fields, so a one-byte struct value
 * becomes an object with every field of its type, and a type may declare
 * thousands of fields. Each value decoded is charged its element or field
 * count against a budget proportional to the input, and never above
 * BUDGET_MAX: a stream that would expand past it is refused instead of
 * costing seconds and gigabytes. Measured (a []S of zero structs whose type
 * declares 2000 fields): 1M units took 711 ms and 187 MB, 4M 2.8 s and
 * 474 MB; with the per-byte budget alone a 16 MiB body was allowed 64M
 * units, and the worker decoding it was declared hung at 10 s.
 */
const BUDGET_FLOOR = 1 << 16;
const BUDGET_PER_BYTE = 4;
const BUDGET_MAX = 1 << 20;

const MAX_TYPE_ID = 2 ** 31 - 1; // Go's typeId is int32
const MAX_NAME = 1024; // decodeInterface: "name too long"
const EMPTY = Buffer.alloc(0);

export class GobStreamReader {
  readonly #c: GobCursor;
  readonly #wire = new Map<number, Wire>();
  readonly #types = new Map<number, GobType>();
  readonly #maxDepth: number;
  #depth = 0;
  #budget: number;

  constructor(src: Buffer, options: GobDecodeOptions = {}) {
    this.#c = new GobCursor(src);
    this.#maxDepth = options.maxDepth ?? 256;
    this.#budget = Math.min(BUDGET_FLOOR + BUDGET_PER_BYTE * src.length, BUDGET_MAX);
  }

  get atEnd(): boolean {
    return this.#c.pos >= this.#c.src.length;
  }

  get offset(): number {
    return this.#c.pos;
  }

  /** One Decoder.Decode: type sequence, then one value. Leftover bytes of its message are dropped, as Go does. */
  next(): { value: GobValue; type: GobType } {
    const c: GobCursor = this.#c;
    c.end = c.pos; // Go's DecodeValue resets the buffer, discarding the rest of the previous message
    const type = this.#resolve(this.#typeSequence(false), 0);
    const value = this.#value(type);
    c.pos = c.end;
    return { value, type };
  }

  #recvMessage(): boolean {
    const c: GobCursor = this.#c;
    if (c.pos >= c.src.length) return false;
    const n = c.uint(c.src.length);
    if (typeof n !== 'number' || n > c.src.length - c.pos) {
      c.fail(`message length ${String(n)} exceeds remaining input ${c.src.length - c.pos}`);
    }
    c.end = c.pos + n;
    return true;
  }

  // decoder.go decodeTypeSequence: definitions may arrive as separate messages; inside an
  // interface a definition can share the buffer with what follows, behind a count Go skips.
  #typeSequence(isInterface: boolean): number {
    const c: GobCursor = this.#c;
    for (let first = true; ; first = false) {
      if (c.pos >= c.end && !this.#recvMessage()) c.fail(first ? 'EOF: no gob message' : 'unexpected EOF in type sequence');
      const id = c.int();
      if (typeof id !== 'number' || id > MAX_TYPE_ID || id < -MAX_TYPE_ID) c.fail(`type id ${String(id)} out of range`);
      if (id >= 0) return id;
      this.#recvType(-id);
      if (c.pos < c.end) {
        if (!isInterface) c.fail('extra data in buffer');
        c.uint();
      }
    }
  }

  #recvType(id: number): void {
    if (id < FIRST_USER_ID || this.#wire.has(id)) this.#c.fail(`duplicate or reserved type id ${id}`);
    const defined: Wire[] = [];
    // wireType{ArrayT, SliceT, StructT, MapT, GobEncoderT, BinaryMarshalerT, TextMarshalerT}
    this.#struct(7, (f) => defined.push(this.#wireField(f)));
    if (defined.length === 0) this.#c.fail(`type ${id} defines no wire type`);
    this.#wire.set(id, defined[0]!);
  }

  #wireField(f: number): Wire {
    let name = '';
    const common = (): void =>
      this.#struct(2, (g) => {
        if (g === 0) name = this.#string();
        else this.#typeId(); // CommonType.Id repeats the id; Go does not check it either
      });
    switch (f) {
      case 0: {
        let elem = 0;
        let len = 0;
        this.#struct(3, (g) => {
          if (g === 0) common();
          else if (g === 1) elem = this.#typeId();
          else len = this.#arrayLen();
        });
        return { kind: 'array', name, elem, len };
      }
      case 1: {
        let elem = 0;
        this.#struct(2, (g) => (g === 0 ? common() : (elem = this.#typeId())));
        return { kind: 'slice', name, elem };
      }
      case 2: {
        const fields: { name: string; id: number }[] = [];
        this.#struct(2, (g) => {
          if (g === 0) return common();
          const n = this.#c.small('field count', this.#c.end - this.#c.pos);
          for (let i = 0; i < n; i++) {
            const fld = { name: '', id: 0 };
            this.#struct(2, (h) => (h === 0 ? (fld.name = this.#string()) : (fld.id = this.#typeId())));
            fields.push(fld);
          }
        });
        return { kind: 'struct', name, fields };
      }
      case 3: {
        let key = 0;
        let elem = 0;
        this.#struct(3, (g) => {
          if (g === 0) common();
          else if (g === 1) key = this.#typeId();
          else elem = this.#typeId();
        });
        return { kind: 'map', name, key, elem };
      }
      default:
        this.#struct(1, common);
        return { kind: 'gobEncoder', name, via: f === 4 ? 'gob' : f === 5 ? 'binary' : 'text' };
    }
  }

  #typeId(): number {
    const id = this.#c.int();
    if (typeof id !== 'number' || id < 0 || id > MAX_TYPE_ID) this.#c.fail(`type id ${String(id)} out of range`);
    return id;
  }

  #arrayLen(): number {
    const n = this.#c.int();
    if (typeof n !== 'number' || n < 0 || n > MAX_TYPE_ID) this.#c.fail(`array length ${String(n)} out of range`);
    return n;
  }

  #string(): string {
    return this.#c.take(this.#c.length()).toString('utf8');
  }

  /** Struct framing (decodeStruct): field deltas until a 0 delta or the end of the message. */
  #struct(nFields: number, onField: (field: number) => void): void {
    const c: GobCursor = this.#c;
    this.#enter();
    for (let field = -1; c.pos < c.end; ) {
      const delta = c.small('field delta', nFields);
      if (delta === 0) break;
      if (field + delta >= nFields) c.fail('bad data: field numbers out of bounds');
      field += delta;
      onField(field);
    }
    this.#depth--;
  }

  #spend(units: number): void {
    if ((this.#budget -= units) < 0) {
      this.#c.fail(`value expands past ${Math.min(BUDGET_FLOOR + BUDGET_PER_BYTE * this.#c.src.length, BUDGET_MAX)} fields and elements (at most ${BUDGET_PER_BYTE} per input byte and ${BUDGET_MAX} in all; ${this.#c.src.length} bytes)`);
    }
  }

  #enter(): void {
    if (++this.#depth > this.#maxDepth) this.#c.fail(`nesting deeper than ${this.#maxDepth}`);
  }

  // Objects are registered before their children are resolved, so recursive types terminate.
  #resolve(id: number, depth: number): GobType {
    const known = BUILTIN_BY_ID.get(id) ?? this.#types.get(id);
    if (known !== undefined) return known;
    const w = this.#wire.get(id);
    if (w === undefined) this.#c.fail(`unknown type id ${id}`);
    if (depth > this.#maxDepth) this.#c.fail(`type nesting deeper than ${this.#maxDepth}`);
    const d = depth + 1;
    switch (w.kind) {
      case 'gobEncoder': {
        const t: GobType = { kind: 'gobEncoder', name: w.name, via: w.via };
        this.#types.set(id, t);
        return t;
      }
      case 'struct': {
        const fields: GobField[] = [];
        const t: GobStructType = { kind: 'struct', name: w.name, fields };
        this.#types.set(id, t);
        for (const f of w.fields) {
          if (f.name === '') this.#c.fail(`empty name for remote field of type ${w.name}`);
          fields.push({ name: f.name, type: this.#resolve(f.id, d) });
        }
        return t;
      }
      case 'map': {
        const t = { kind: 'map' as const, name: w.name, key: GOB_INTERFACE as GobType, elem: GOB_INTERFACE as GobType };
        this.#types.set(id, t);
        t.key = this.#resolve(w.key, d);
        t.elem = this.#resolve(w.elem, d);
        return t;
      }
      case 'array': {
        const t = { kind: 'array' as const, name: w.name, len: w.len, elem: GOB_INTERFACE as GobType };
        this.#types.set(id, t);
        t.elem = this.#resolve(w.elem, d);
        return t;
      }
      case 'slice': {
        const t = { kind: 'slice' as const, name: w.name, elem: GOB_INTERFACE as GobType };
        this.#types.set(id, t);
        t.elem = this.#resolve(w.elem, d);
        return t;
      }
    }
  }

  /** A top-level or interface value: a struct, or a singleton behind a 0 delta. */
  #value(t: GobType): GobValue {
    if (t.kind === 'struct') return this.#structValue(t);
    if (this.#c.uint() !== 0) this.#c.fail('corrupted data: non-zero delta for singleton');
    return this.#field(t);
  }

  #field(t: GobType): GobValue {
    const c: GobCursor = this.#c;
    switch (t.kind) {
      case 'bool': return c.uint() !== 0;
      case 'int': return c.int();
      case 'uint': return c.uint();
      case 'float': return c.float();
      case 'complex': return { real: c.float(), imag: c.float() };
      case 'string': return this.#string();
      case 'bytes': return Buffer.from(c.take(c.length()));
      case 'gobEncoder': {
        const b = c.take(c.length());
        return t.via === 'text' ? b.toString('utf8') : Buffer.from(b);
      }
      case 'interface': return this.#interface();
      case 'struct': return this.#structValue(t);
      case 'slice':
      case 'array': {
        // Every element takes at least one byte, so the rest of the input bounds the count.
        const n = c.small('element count', c.src.length - c.pos);
        if (t.kind === 'array' && n !== t.len) c.fail(`length mismatch in decodeArray: ${n} != ${t.len}`);
        this.#enter();
        this.#spend(n);
        const out: GobValue[] = [];
        for (let i = 0; i < n; i++) {
          if (c.pos >= c.end) c.fail(`decoding array or slice: length exceeds input size (${n} elements)`);
          out.push(this.#field(t.elem));
        }
        this.#depth--;
        return out;
      }
      case 'map': {
        const n = c.small('map size', c.src.length - c.pos);
        this.#enter();
        this.#spend(n);
        const asObject = t.key.kind === 'string';
        const obj: Record<string, GobValue> = {};
        const map = new Map<GobValue, GobValue>();
        for (let i = 0; i < n; i++) {
          // A key read from no bytes (an empty struct at the end of the message) would let the
          // count, not the input, set the work: every entry must start inside the message.
          if (c.pos >= c.end) c.fail(`decoding map: size exceeds input size (${n} entries)`);
          const k = this.#field(t.key);
          const v = this.#field(t.elem);
          if (asObject) setProp(obj, k as string, v);
          else map.set(k, v);
        }
        this.#depth--;
        return asObject ? obj : map;
      }
    }
  }

  // #struct's framing, inlined: struct values are the decoder's most frequent allocation.
  #structValue(t: GobStructType): GobValue {
    const fields = t.fields;
    const n = fields.length;
    this.#spend(n + 1);
    const c: GobCursor = this.#c;
    const got: (GobValue | undefined)[] = new Array<GobValue | undefined>(n);
    this.#enter();
    for (let field = -1; c.pos < c.end; ) {
      const delta = c.small('field delta', n);
      if (delta === 0) break;
      if (field + delta >= n) c.fail('bad data: field numbers out of bounds');
      field += delta;
      got[field] = this.#field(fields[field]!.type);
    }
    this.#depth--;
    const out: Record<string, GobValue> = {};
    for (let i = 0; i < n; i++) setProp(out, fields[i]!.name, got[i] !== undefined ? got[i]! : zeroValue(fields[i]!.type));
    return out;
  }

  // decode.go decodeInterface: name, type sequence (may pull in new messages), a length Go ignores, the value.
  #interface(): GobValue {
    const c: GobCursor = this.#c;
    const nameLen = c.length();
    if (nameLen === 0) return null;
    if (nameLen > MAX_NAME) c.fail(`name too long (${nameLen} bytes)`);
    c.take(nameLen);
    this.#enter();
    const type = this.#resolve(this.#typeSequence(true), 0);
    c.uint();
    const value = this.#value(type);
    this.#depth--;
    return value;
  }
}

/**
 * What an omitted struct field means in Go. Encoders skip zero scalars, empty
 * slices/strings and nil pointers/maps/interfaces; structs and arrays are always
 * sent, so their absence means a nil pointer.
 */
function zeroValue(t: GobType): GobValue {
  switch (t.kind) {
    case 'bool': return false;
    case 'int':
    case 'uint':
    case 'float': return 0;
    case 'complex': return { real: 0, imag: 0 };
    case 'string': return '';
    case 'bytes': return EMPTY;
    case 'slice': return [];
    default: return null;
  }
}

