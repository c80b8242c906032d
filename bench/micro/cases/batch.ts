// The thread hop's batch format: the main thread writes a turn's requests
// into one batch, the worker reads them; replies go back the same way. 64
// requests per batch (a pipelined connection's read); and a batch's way
// through the shared ring (written, read out, parsed), for a lone request and
// for 64.
import { BatchWriter, readReplies, readRequests } from '../../../runtime/actor/batch.ts';
import { SharedRing, createRingBuffer } from '../../../runtime/actor/shared-ring.ts';
import { keep, type MicroCase } from '../case.ts';

const PER_BATCH = 64;
const PARAMS = Buffer.from('{"topic":"t","value":"hello"}');
const RESULT = Buffer.from('{"topic":"t","value":"hello"}');
const KEY = 'connection-main';

function requests(key: string | undefined): ArrayBuffer {
  const w = new BatchWriter(1024);
  for (let i = 0; i < PER_BATCH; i++) w.addRequest(i + 1, 1, 0, 1_760_000_030_000, key, undefined, PARAMS);
  return w.finish();
}

function replies(): ArrayBuffer {
  const w = new BatchWriter(1024);
  for (let i = 0; i < PER_BATCH; i++) w.addReply(i + 1, false, RESULT);
  return w.finish();
}

const pooled = requests(undefined);
const pooledBytes = new Uint8Array(pooled);
const pinnedBytes = new Uint8Array(requests(KEY));
const answeredBytes = new Uint8Array(replies());
const lone = ((): Uint8Array => {
  const w = new BatchWriter(1024);
  w.addRequest(1, 1, 0, 1_760_000_030_000, undefined, undefined, PARAMS);
  return new Uint8Array(w.finish(), 0, w.byteLength);
})();
const full = new Uint8Array(pooled, 0, 4 + PER_BATCH * (16 + 4 + PARAMS.length));
const ringSab = createRingBuffer(256 * 1024);
const producer = new SharedRing(ringSab);
const consumer = new SharedRing(ringSab);
function throughRing(batch: Uint8Array): void {
  producer.write(batch);
  readRequests(consumer.read() as Uint8Array, visit);
  keep(seen);
}
let seen = 0;
const visit = (handle: number): void => {
  seen += handle;
};

export const cases: MicroCase[] = [
  { name: `batch write ${PER_BATCH} requests (per request)`, ops: PER_BATCH, run: () => keep(requests(undefined)) },
  { name: `batch write ${PER_BATCH} pinned requests with key (per request)`, ops: PER_BATCH, run: () => keep(requests(KEY)) },
  {
    name: `batch read ${PER_BATCH} requests (per request)`,
    ops: PER_BATCH,
    run: () => {
      readRequests(pooledBytes, visit);
      keep(seen);
    },
  },
  {
    name: `batch read ${PER_BATCH} pinned requests with key (per request)`,
    ops: PER_BATCH,
    run: () => {
      readRequests(pinnedBytes, visit);
      keep(seen);
    },
  },
  { name: `batch write ${PER_BATCH} replies (per reply)`, ops: PER_BATCH, run: () => keep(replies()) },
  { name: 'ring: a lone request batch written, read out and parsed', ops: 1, run: () => throughRing(lone) },
  { name: `ring: ${PER_BATCH} requests' batch written, read out and parsed (per request)`, ops: PER_BATCH, run: () => throughRing(full) },
  {
    name: `batch read ${PER_BATCH} replies (per reply)`,
    ops: PER_BATCH,
    run: () => {
      readReplies(answeredBytes, visit);
      keep(seen);
    },
  },
];
