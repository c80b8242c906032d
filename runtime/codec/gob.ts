/*
 * Go encoding/gob codec, for goridge frames with the GOB flag (0x20): Go's
 * goridge ClientCodec gob-encodes every non-proto argument and decodes replies
 * with a NEW gob.Decoder per frame (pkg/rpc/client.go v3.8.3), so every body we
 * send must be a self-contained stream carrying its own type definitions.
 * Pure: no I/O. Implementation in ./gob/ (wire, decode, encode, infer).
 *
 * Stream   = message*;  message = uint(byteCount) ( int(-id) wireType | int(id) value )
 * uint     : < 0x80 one byte; else one byte holding -n (n = 1..8) then n bytes big-endian
 * int      : as uint u = i >= 0 ? i<<1 : (^i<<1)|1
 * float    : IEEE-754 float64 bits byte-reversed, as uint         (17.0 -> fe 31 40)
 * bool     : uint 0/1        string, []byte : uint(len) bytes     complex: float float
 * slice    : uint(n) elem*n  array: uint(n) elem*n (n == Len)     map: uint(n) (key elem)*n
 * struct   : (uint(fieldDelta) field)* uint(0); field numbers start at -1; zero fields omitted
 * interface: uint(len) name | empty name = nil; then [definitions] int(id) uint(len) value
 * value    : at top level and inside interfaces a non-struct is a singleton: uint(0) field
 * Builtin ids: bool 1, int 2, uint 3, float 4, []byte 5, string 6, complex 7, interface 8;
 * user ids start at 64. wireType = struct{ArrayT, SliceT, StructT, MapT, GobEncoderT,
 * BinaryMarshalerT, TextMarshalerT}; each *Type starts with CommonType{Name, Id}; ArrayT
 * adds Elem, Len; SliceT Elem; StructT Field []{Name, Id}; MapT Key, Elem.
 * Quirk kept from Go: a type first met inside an interface is defined inline, and the
 * bytes built so far are flushed as their own message, so one value may span messages.
 *
 * Decoding maps to JS as: struct -> object keyed by Go field name (omitted fields get
 * their Go zero value: 0, '', false, empty Buffer, [] for slices, null for nil
 * maps/pointers/interfaces and for structs/arrays/GobEncoders, which Go omits only
 * when nil or zero); map with string keys -> object, other keys -> Map;
 * []byte -> Buffer (copied); ints beyond 2^53 -> bigint; interface -> its concrete value;
 * complex -> {real, imag}; GobEncoder/BinaryMarshaler -> Buffer, TextMarshaler -> string.
 * Strings are decoded as UTF-8 (invalid bytes become U+FFFD; send binary as []byte).
 *
 * Encoding takes an explicit GobType or infers one (rule in ./gob/infer.ts: scalars
 * map naturally, arrays/objects/Maps become []T / map[string]T / map[K]V when
 * their members agree and fall back to interface{}; structs are never inferred).
 * Values inside an interface carry Go's type name; basic types and their slices are
 * pre-registered in Go, anything else ('map[string]interface {}', structs) must be
 * gob.Register-ed by the Go peer. Encoding errors are thrown as GobEncodeError
 * (caller bugs); decoding errors are returned as values.
 */
import { GobStreamReader, type GobDecodeOptions } from './gob/decode.ts';
import { decodeTopString } from './gob/top-string.ts';
import { GobMalformed } from './gob/wire.ts';
import { GOB_STRING, type GobType, type GobValue } from './gob/types.ts';

export {
  GOB_BOOL,
  GOB_BYTES,
  GOB_COMPLEX,
  GOB_FLOAT,
  GOB_INT,
  GOB_INTERFACE,
  GOB_STRING,
  GOB_UINT,
  goTypeName,
  type GobArrayType,
  type GobBasicKind,
  type GobBasicType,
  type GobComplex,
  type GobEncoderType,
  type GobField,
  type GobMapType,
  type GobSliceType,
  type GobStructType,
  type GobType,
  type GobValue,
} from './gob/types.ts';
export { GobEncodeError, GobInterfaceValue, gobInterface, inferGobType, mapOf, sliceOf } from './gob/infer.ts';
export { encodeGob } from './gob/encode.ts';
export type { GobDecodeOptions } from './gob/decode.ts';

export interface GobDecodeError {
  readonly code: 'GOB_MALFORMED';
  readonly message: string;
  /** Input offset where decoding stopped. */
  readonly offset: number;
}

export type GobDecodeResult =
  | { readonly ok: true; readonly value: GobValue; readonly type: GobType; readonly bytesRead: number }
  | { readonly ok: false; readonly error: GobDecodeError };

export type GobStreamResult =
  | { readonly ok: true; readonly values: { value: GobValue; type: GobType }[] }
  | { readonly ok: false; readonly error: GobDecodeError; readonly values: { value: GobValue; type: GobType }[] };

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function toError(e: unknown, reader: GobStreamReader): GobDecodeError {
  if (e instanceof GobMalformed) return { code: 'GOB_MALFORMED', message: `gob: ${e.message}`, offset: e.offset };
  // Anything else is a decoder bug, but a peer's bytes must never crash the caller.
  return { code: 'GOB_MALFORMED', message: `gob: internal decoder error: ${String(e)}`, offset: reader.offset };
}

/**
 * Decodes the first value of a gob stream with a fresh type table, exactly like
 * goridge's one-shot gob.NewDecoder(...).Decode. Bytes after that value's message
 * are ignored, as Go ignores them; bytesRead tells where it stopped.
 */
export function decodeGob(data: Uint8Array, options?: GobDecodeOptions): GobDecodeResult {
  const src = asBuffer(data);
  const top = decodeTopString(src);
  if (top !== null) return { ok: true, value: top.value, type: GOB_STRING, bytesRead: top.end };
  const reader = new GobStreamReader(src, options);
  try {
    const { value, type } = reader.next();
    return { ok: true, value, type, bytesRead: reader.offset };
  } catch (e) {
    return { ok: false, error: toError(e, reader) };
  }
}

/** Decodes every value of a stream sharing one type table (one Go Encoder, many Encode calls). */
export function decodeGobStream(data: Uint8Array, options?: GobDecodeOptions): GobStreamResult {
  const reader = new GobStreamReader(asBuffer(data), options);
  const values: { value: GobValue; type: GobType }[] = [];
  try {
    while (!reader.atEnd) values.push(reader.next());
    return { ok: true, values };
  } catch (e) {
    return { ok: false, error: toError(e, reader), values };
  }
}
