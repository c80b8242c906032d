// IPC and Goridge frames: encode a request and a reply, decode a socket read
// holding many frames (what a pipelining client's read looks like).
import { encodeGoridgeReply, encodeGoridgeRequest, GORIDGE_FLAG, GoridgeDecoder } from '../../../runtime/codec/goridge.ts';
import { encodeIpcFrame, encodeIpcResult, IPC_V1_1, IpcDecoder, IpcType } from '../../../runtime/codec/ipc.ts';
import { keep, type MicroCase } from '../case.ts';

/** A one-record produce request as the IPC load generators write it (10-digit string id). */
const REQUEST = Buffer.from('{"id":"0000000001","method":"kafka.produce","params":{"topic":"t","value":"hello"}}');
const RESULT = Buffer.from('{"accepted":true}');
const ID = '"0000000001"';
const FRAMES_PER_READ = 64;

const ipcRead = Buffer.concat(Array.from({ length: FRAMES_PER_READ }, () => encodeIpcFrame(IPC_V1_1, IpcType.ASYNC_REQUEST, REQUEST)));

/** A gob-encoded Go string "hello", as goridge's ClientCodec sends Sys.Echo's argument. */
const GOB_HELLO = Buffer.from('080c000568656c6c6f', 'hex');
const METHOD = Buffer.from('Sys.Echo');
const goridgeRead = Buffer.concat(
  Array.from({ length: FRAMES_PER_READ }, (_, i) => encodeGoridgeRequest(i, METHOD, GORIDGE_FLAG.GOB, GOB_HELLO)),
);

let frames = 0;
const countFrame = (): void => {
  frames++;
};

export const cases: MicroCase[] = [
  { name: `IPC encode request frame (${REQUEST.length} B JSON)`, ops: 1, run: () => keep(encodeIpcFrame(IPC_V1_1, IpcType.ASYNC_REQUEST, REQUEST)) },
  { name: 'IPC encode result frame', ops: 1, run: () => keep(encodeIpcResult(IPC_V1_1, IpcType.ASYNC_RESPONSE, ID, RESULT)) },
  {
    name: `IPC decode, ${FRAMES_PER_READ} frames per read (per frame)`,
    ops: FRAMES_PER_READ,
    run: () => {
      new IpcDecoder(1 << 20).push(ipcRead, countFrame);
      keep(frames);
    },
  },
  { name: 'Goridge encode request frame (gob string)', ops: 1, run: () => keep(encodeGoridgeRequest(7, METHOD, GORIDGE_FLAG.GOB, GOB_HELLO)) },
  { name: 'Goridge encode reply frame', ops: 1, run: () => keep(encodeGoridgeReply(7, METHOD, GORIDGE_FLAG.GOB, GOB_HELLO)) },
  {
    name: `Goridge decode, ${FRAMES_PER_READ} frames per read (per frame)`,
    ops: FRAMES_PER_READ,
    run: () => keep(new GoridgeDecoder().push(goridgeRead).frames.length),
  },
];
