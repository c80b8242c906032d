/*
 * The binary IPC protocol (docs/ipc.md). Pure codec: no sockets, no timers.
 *
 *   offset 0      2       3               7
 *          +------+-------+---------------+---------------------+
 *          | ver  | type  | payload len   | payload (len bytes) |
 *          | u16BE| u8    | u32BE         | JSON                |
 *          +------+-------+---------------+---------------------+
 *
 *   ver:  0x0100 (v1.0), 0x0101 (v1.1)
 *   type: 0x01 sync request/response   0x02 heartbeat (answered with 0x02)
 *         0x03 error                   0x04 async request   0x05 async response
 *   request payload:  {"id"?, "method", "params"?, "timeout"?, "traceparent"?}
 *   success payload:  {"id", "result"}          (type 0x01 for sync, 0x05 for async)
 *   failure payload:  {"id", "error": {"code", "message", "data"?}}   (type 0x03)
 *
 * The header allows 4 GiB; decoders enforce a much smaller configured cap and
 * check it before buffering any of the payload.
 */
import { FrameSplitter, NEED_MORE } from './frame-splitter.ts';

export const IPC_HEADER_BYTES = 7;
export const IPC_V1_0 = 0x0100;
export const IPC_V1_1 = 0x0101;

export const IpcType = {
  SYNC: 0x01,
  HEARTBEAT: 0x02,
  ERROR: 0x03,
  ASYNC_REQUEST: 0x04,
  ASYNC_RESPONSE: 0x05,
} as const;
export type IpcTypeValue = (typeof IpcType)[keyof typeof IpcType];

export interface IpcDecodeError {
  code: 'UNKNOWN_VERSION' | 'UNKNOWN_TYPE' | 'FRAME_TOO_LARGE';
  message: string;
}

export type IpcFrameHandler = (version: number, type: IpcTypeValue, payload: Buffer) => void;

/**
 * Incremental decoder. Payloads of frames that arrive whole inside one chunk
 * are zero-copy views of that chunk; a frame split across chunks is gathered
 * as its bytes arrive and copied once, when complete (see FrameSplitter).
 */
export class IpcDecoder extends FrameSplitter<IpcDecodeError> {
  readonly #maxPayload: number;
  #onFrame: IpcFrameHandler | null = null;

  constructor(maxPayload: number) {
    super(IPC_HEADER_BYTES);
    this.#maxPayload = maxPayload;
  }

  get failed(): IpcDecodeError | null {
    return this.error;
  }


  push(chunk: Buffer, onFrame: IpcFrameHandler): IpcDecodeError | null {
    this.#onFrame = onFrame;
    return this.feed(chunk);
  }

  protected checkHeader(h: Buffer, o: number, avail: number): number | IpcDecodeError {
    if (avail < IPC_HEADER_BYTES) return NEED_MORE;
    const len = h.readUInt32BE(o + 3);
    return checkHeader(h.readUInt16BE(o), h[o + 2]!, len, this.#maxPayload) ?? len;
  }

  protected frame(h: Buffer, o: number, payload: Buffer): void {
    this.#onFrame!(h.readUInt16BE(o), h[o + 2] as IpcTypeValue, payload);
  }
}

function checkHeader(version: number, type: number, len: number, max: number): IpcDecodeError | null {
  if (version !== IPC_V1_0 && version !== IPC_V1_1) {
    return { code: 'UNKNOWN_VERSION', message: `unknown protocol version 0x${version.toString(16).padStart(4, '0')}` };
  }
  if (type < IpcType.SYNC || type > IpcType.ASYNC_RESPONSE) {
    return { code: 'UNKNOWN_TYPE', message: `unknown message type 0x${type.toString(16).padStart(2, '0')}` };
  }
  if (len > max) return { code: 'FRAME_TOO_LARGE', message: `payload of ${len} bytes exceeds the cap of ${max}` };
  return null;
}

export function writeIpcHeader(target: Buffer, offset: number, version: number, type: number, len: number): void {
  target.writeUInt16BE(version, offset);
  target[offset + 2] = type;
  target.writeUInt32BE(len, offset + 3);
}

export function encodeIpcFrame(version: number, type: number, payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(IPC_HEADER_BYTES + body.length);
  writeIpcHeader(out, 0, version, type, body.length);
  out.set(body, IPC_HEADER_BYTES);
  return out;
}

const RESULT_OPEN = Buffer.from('{"id":');
const RESULT_MID = Buffer.from(',"result":');

/**
 * Builds `{"id":<id>,"result":<result>}` from an id token and a result that
 * are already JSON text, so the main thread never re-serializes a result.
 * `idJson` is the request's raw id token held as a latin1 string (one char
 * per byte), which writes back the exact bytes the client sent.
 */
export function encodeIpcResult(version: number, type: number, idJson: string | null, resultJson: Uint8Array): Buffer {
  const id = idJson ?? 'null';
  const len = RESULT_OPEN.length + id.length + RESULT_MID.length + resultJson.length + 1;
  const out = Buffer.allocUnsafe(IPC_HEADER_BYTES + len);
  writeIpcHeader(out, 0, version, type, len);
  let o = IPC_HEADER_BYTES;
  o += RESULT_OPEN.copy(out, o);
  o += out.latin1Write(id, o);
  o += RESULT_MID.copy(out, o);
  out.set(resultJson, o);
  o += resultJson.length;
  out[o] = 0x7d; // }
  return out;
}

export function encodeIpcError(
  version: number,
  idJson: string | null,
  error: { code: string; message: string; data?: unknown },
): Buffer {
  const err = error.data === undefined ? { code: error.code, message: error.message } : error;
  const head = Buffer.from('{"id":' + (idJson ?? 'null'), 'latin1');
  const tail = Buffer.from(',"error":' + JSON.stringify(err) + '}');
  const out = Buffer.allocUnsafe(IPC_HEADER_BYTES + head.length + tail.length);
  writeIpcHeader(out, 0, version, IpcType.ERROR, head.length + tail.length);
  head.copy(out, IPC_HEADER_BYTES);
  tail.copy(out, IPC_HEADER_BYTES + head.length);
  return out;
}
