/** How a request body and its result are encoded; chosen by the listener's protocol. */
export const BodyFormat = {
  JSON: 0,
  MSGPACK: 1,
  RAW: 2,
  GOB: 3,
} as const;
export type BodyFormat = (typeof BodyFormat)[keyof typeof BodyFormat];

export const FORMAT_NAMES: Record<BodyFormat, string> = { 0: 'json', 1: 'msgpack', 2: 'raw', 3: 'gob' };

/** One body format's codec: bytes to a value and back. */
export interface FormatCodec {
  decode(bytes: Uint8Array): unknown;
  encode(value: unknown): Uint8Array;
}
