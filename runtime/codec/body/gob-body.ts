/*
 * Gob as a request/reply body format (BodyFormat.GOB), for Go's goridge
 * ClientCodec, which gob-encodes every non-proto argument and decodes every
 * reply with a fresh gob.Decoder. Listed in body-codec.ts's format table.
 *
 * Go decodes a reply by matching it against its local type, so a reply keeps
 * the wire type of the argument it came from when the handler returns that
 * same object (an echo of a struct answers a struct, not a map). Other values
 * get a type inferred by the gob codec's rules. An empty body means Go's zero
 * value both ways: goridge sends nothing for a nil argument and skips decoding
 * an empty reply, so null/undefined results are sent as an empty body.
 */
import type { FormatCodec } from './formats.ts';
import { OutriggerError } from '../../errors/error.ts';
import { decodeGob, encodeGob, type GobType } from '../gob.ts';

const EMPTY = new Uint8Array(0);

/** Wire types of decoded objects, so the same object is answered with the same Go type. */
const wireTypes = new WeakMap<object, GobType>();

export const gobBodyCodec: FormatCodec = {
  decode(bytes) {
    if (bytes.length === 0) return undefined;
    const r = decodeGob(bytes);
    if (!r.ok) throw new OutriggerError('INVALID_PARAMS', `cannot decode gob body: ${r.error.message}`);
    if (typeof r.value === 'object' && r.value !== null) wireTypes.set(r.value, r.type);
    return r.value;
  },
  encode(value) {
    if (value === null || value === undefined) return EMPTY;
    const type = typeof value === 'object' ? wireTypes.get(value) : undefined;
    return encodeGob(value, type);
  },
};
