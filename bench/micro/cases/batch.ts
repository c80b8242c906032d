// The thread hop's batch format: the main thread writes a turn's requests
// into one transferred ArrayBuffer, the worker reads them; replies go back
// the same way. 64 requests per batch (a pipelined connection's read).
import { BatchWriter, readReplies, readRequests } from '../../../runtime/actor/batch.ts';
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
const pinned = requests(KEY);
const answered = replies();
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
      readRequests(pooled, visit);
      keep(seen);
    },
  },
  {
    name: `batch read ${PER_BATCH} pinned requests with key (per request)`,
    ops: PER_BATCH,
    run: () => {
      readRequests(pinned, visit);
      keep(seen);
    },
  },
  { name: `batch write ${PER_BATCH} replies (per reply)`, ops: PER_BATCH, run: () => keep(replies()) },
  {
    name: `batch read ${PER_BATCH} replies (per reply)`,
    ops: PER_BATCH,
    run: () => {
      readReplies(answered, visit);
      keep(seen);
    },
  },
];
