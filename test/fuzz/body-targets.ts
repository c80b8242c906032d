// Fuzz targets for the body codecs: gob, msgpack, and the JSON envelope (with
// the JSON body decode behind it). Each `run` decodes one input and throws
// only when a contract breaks: anything but a coded refusal escapes.
import { readFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { decodeBody } from '../../runtime/codec/body/body-codec.ts';
import { BodyFormat } from '../../runtime/codec/body/formats.ts';
import { decodeGob, decodeGobStream, encodeGob } from '../../runtime/codec/gob.ts';
import { EnvelopeError, scanEnvelope, topLevelString, tryScanEnvelope } from '../../runtime/codec/json-envelope.ts';
import { OutriggerError } from '../../runtime/errors/error.ts';
import * as H from '../helpers/hostile.ts';
import { type Rand, int, pick } from './lib/mutate.ts';

export interface FuzzTarget {
  readonly name: string;
  /** Valid inputs the mutator starts from. */
  readonly corpus: readonly Buffer[];
  /** Structure-aware hostile inputs: huge counts and lengths, deep nesting. */
  readonly hostile: readonly ((rand: Rand) => Buffer)[];
  /** Decodes one input; throws on a broken contract. */
  run(input: Buffer, rand: Rand): void;
}

export class ContractBroken extends Error {}

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

interface GoridgeVector {
  hex: string;
  direction: string;
  header: { flags: string };
  rpc?: { body_hex: string } | null;
}
export const GORIDGE_VECTORS = (fixture('goridge-vectors.json') as { vectors: GoridgeVector[] }).vectors;
export const GOB_VECTORS = (fixture('gob-vectors.json') as { vectors: { body_hex: string; frame_hex: string }[] }).vectors;

/** Calls decodeBody and accepts only an OutriggerError with one of `codes`. */
function decodeCoded(format: BodyFormat, bytes: Buffer, codes: readonly string[]): void {
  try {
    decodeBody(format, bytes);
  } catch (e) {
    if (!(e instanceof OutriggerError) || !codes.includes(e.code)) throw new ContractBroken(`decodeBody threw ${String(e)}`);
  }
}

const gobCorpus = [
  ...GOB_VECTORS.map((v) => Buffer.from(v.body_hex, 'hex')),
  encodeGob(['a', 1, [true, { k: 'v' }], null]),
  encodeGob({ topic: 't', messages: [{ key: 'k', value: Buffer.from('v') }] }),
];

export const gobTarget: FuzzTarget = {
  name: 'gob',
  corpus: gobCorpus,
  hostile: [
    (r) => H.gobEmptyStructMapBomb(1 + int(r, 1 << 20), int(r, 1 << 20)),
    (r) => H.gobZeroStructSliceBomb(1 + int(r, 2000), 1 + int(r, 1 << 16)),
    (r) => H.gobSliceCountLie(int(r, 2 ** 31), int(r, 1000)),
  ],
  run(b) {
    for (const r of [decodeGob(b), decodeGobStream(b)]) {
      if (!r.ok && (r.error.code !== 'GOB_MALFORMED' || r.error.message.includes('internal'))) {
        throw new ContractBroken(`gob: ${r.error.code} ${r.error.message}`);
      }
    }
    decodeCoded(BodyFormat.GOB, b, ['INVALID_PARAMS']);
  },
};

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const msgpackCorpus = [
  ...GORIDGE_VECTORS.filter((v) => v.direction === 'client->server' && v.header.flags === '0x10' && v.rpc).map((v) => Buffer.from(v.rpc!.body_hex, 'hex')),
  packr.pack({ topic: 'orders', key: 'k-1', value: 'x'.repeat(40), headers: { a: '1' }, partition: 3, ts: 2 ** 41 }),
  packr.pack([1, -1, 0.5, null, true, 'é', Buffer.from([1, 2]), [[], {}], { n: { m: [1, 2, 3] } }]),
  Buffer.from('d7ff0000000065538f80', 'hex'),
];

export const msgpackTarget: FuzzTarget = {
  name: 'msgpack',
  corpus: msgpackCorpus,
  hostile: [
    (r) => pick(r, H.MSGPACK_HUGE_HEADERS),
    (r) => H.msgpackDeep(1 + int(r, 1 << 20)),
    (r) => H.msgpackErrorFlood(1 + int(r, 100_000)),
    (r) => H.msgpackNestedClaims(1 + int(r, 100_000)),
  ],
  run(b) {
    decodeCoded(BodyFormat.MSGPACK, b, ['INVALID_PARAMS']);
  },
};

const envelopes = [
  '{"id":"550e8400-e29b","method":"kafka.produce","params":{"topic":"t","value":"hello","key":"k"}}',
  '{"id":7,"method":"sys.echo","params":[1,"}",{"a":"\\"]"}],"timeout":250}',
  '{"method":"m","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","params":null}',
  ' { "params" : { "name" : "a\\u0062" } , "method" : "counter.add" , "id" : null } ',
];

function wrapParams(params: Buffer): Buffer {
  return Buffer.concat([Buffer.from('{"id":1,"method":"m","params":'), params, Buffer.from('}')]);
}

export const jsonTarget: FuzzTarget = {
  name: 'json-envelope',
  corpus: [
    ...envelopes.map((s) => Buffer.from(s)),
    ...GORIDGE_VECTORS.filter((v) => v.header.flags === '0x08' && v.rpc).map((v) => Buffer.from(v.rpc!.body_hex, 'hex')),
  ],
  hostile: [
    (r) => wrapParams(H.jsonDeep(1 + int(r, 1 << 19))),
    (r) => wrapParams(H.jsonManyEmpty(1 + int(r, 1 << 18))),
    (r) => wrapParams(H.jsonUnclosed(1 + int(r, 1 << 17))),
    (r) => wrapParams(Buffer.from(`"${'\\'.repeat(1 + int(r, 1 << 18))}"`)),
    (r) => Buffer.from(`{${'"a":1,'.repeat(1 + int(r, 1 << 16))}"method":"m"}`),
  ],
  run(b) {
    const env = tryScanEnvelope(b);
    try {
      scanEnvelope(b);
      if (env.malformed !== null) throw new ContractBroken('scanEnvelope accepted what tryScanEnvelope refused');
    } catch (e) {
      if (!(e instanceof EnvelopeError)) throw e instanceof ContractBroken ? e : new ContractBroken(`scanEnvelope threw ${String(e)}`);
    }
    topLevelString(b, 'method');
    if (env.malformed === null && env.paramsStart >= 0) {
      const params = b.subarray(env.paramsStart, env.paramsEnd);
      topLevelString(params, 'name');
      decodeCoded(BodyFormat.JSON, params, ['MALFORMED_JSON']);
    }
  },
};

export const BODY_TARGETS: readonly FuzzTarget[] = [gobTarget, msgpackTarget, jsonTarget];
