import { isUtf8 } from 'node:buffer';
import {
  IPC_V1_0,
  IpcDecoder,
  IpcType,
  type IpcTypeValue,
  encodeIpcError,
  encodeIpcFrame,
  encodeIpcResult,
} from '../codec/ipc.ts';
import { BodyFormat } from '../codec/body/formats.ts';
import { tryScanEnvelope } from '../codec/json-envelope.ts';
import type { SerializedError } from '../errors/error.ts';
import type { Pending } from '../router/pending.ts';
import { Session, type SessionEnv } from '../session/session.ts';
import type { Connection } from '../transport/connection.ts';

/** Reply context of one IPC request. */
class IpcToken {
  /** Finished reply frame of a sync request, held until earlier syncs are answered. */
  frame: Buffer | null = null;
  /** Answered by id (0x04): counted in ipc_async_timeout when its deadline passes. */
  readonly async: boolean;
  /** The request's payload size, counted in flight until the reply goes out (0 for one answered at once). */
  bytes = 0;
  /** The reply's size while it is held behind an earlier sync request (Session.holdReply). */
  heldReply = 0;
  constructor(
    readonly version: number,
    readonly type: IpcTypeValue,
    readonly id: string | null,
  ) {
    this.async = type === IpcType.ASYNC_REQUEST;
  }
}

const EMPTY = new Uint8Array(0);

const HEX = /^[0-9a-fA-F]{4}$/;

/**
 * Whether the raw id token [start, end) can be echoed as it is. The envelope
 * scanner has checked numbers, literals and control bytes; a string may still
 * hold a bad escape or bytes that are not UTF-8, which JSON does not allow.
 */
function isJsonIdToken(b: Buffer, start: number, end: number): boolean {
  if (b[start] !== 0x22) return true;
  for (let i = start + 1; i < end - 1; i++) {
    if (b[i] !== 0x5c) continue;
    const e = b[++i];
    if (e === 0x75) {
      if (!HEX.test(b.latin1Slice(i + 1, i + 5))) return false;
      i += 4;
    } else if (e === undefined || !'"\\/bfnrt'.includes(String.fromCharCode(e))) return false;
  }
  return isUtf8(b.subarray(start, end));
}

/**
 * Binary IPC over one connection: sync requests are answered in order,
 * async requests as they complete, matched by id. Every sync request counts
 * in flight until its reply is written, error replies held for ordering
 * included, so a client can't grow the reply queue without bound.
 */
export class IpcSession extends Session {
  readonly #decoder: IpcDecoder;
  readonly #syncQueue: IpcToken[] = [];
  #syncHead = 0;
  #asyncIds: Map<string, IpcToken> | null = null;

  constructor(conn: Connection, env: SessionEnv) {
    super(conn, env);
    this.#decoder = new IpcDecoder(env.limits.maxFrameBytes);
  }

  /** Async requests (0x04) awaiting their reply: summed into ipc_async_pending. */
  get asyncPending(): number {
    return this.#asyncIds?.size ?? 0;
  }

  get partialBytes(): number {
    return this.#decoder.partialBytes;
  }

  onData(chunk: Buffer): void {
    const err = this.#decoder.push(chunk, this.#onFrame);
    if (err) {
      // The stream can't be resynchronised after a bad header: say why, then close.
      this.env.stats.malformed++;
      this.conn.write(encodeIpcError(IPC_V1_0, null, err));
      this.conn.end();
      return;
    }
    this.afterRead(chunk.length);
  }

  override onClose(): void {
    super.onClose();
    this.#asyncIds = null;
    this.#syncQueue.length = 0;
  }

  readonly #onFrame = (version: number, type: IpcTypeValue, payload: Buffer): void => {
    // Closing (error budget spent): the rest of the chunk is dropped unanswered.
    if (!this.conn.open) return;
    switch (type) {
      case IpcType.HEARTBEAT:
        this.conn.write(encodeIpcFrame(version, IpcType.HEARTBEAT, EMPTY));
        return;
      case IpcType.SYNC:
      case IpcType.ASYNC_REQUEST:
        this.#onRequest(version, type, payload);
        return;
      default:
        this.#malformed(new IpcToken(version, IpcType.ASYNC_REQUEST, null), {
          code: 'UNEXPECTED_TYPE',
          message: `frame type 0x0${type} is sent by servers, not clients`,
        });
    }
  };

  #onRequest(version: number, type: IpcTypeValue, payload: Buffer): void {
    const env = tryScanEnvelope(payload);
    const idToken = env.idStart >= 0 ? payload.latin1Slice(env.idStart, env.idEnd) : null;
    // Echoed verbatim into the reply: a token that is not valid JSON would make the reply invalid too.
    const idValid = idToken === null || isJsonIdToken(payload, env.idStart, env.idEnd);
    if (env.malformed !== null) {
      this.#malformed(new IpcToken(version, type, idValid ? idToken : null), { code: 'MALFORMED_JSON', message: env.malformed });
      return;
    }
    if (!idValid) {
      this.#malformed(new IpcToken(version, type, null), { code: 'MALFORMED_JSON', message: '"id" is not a valid JSON string (bad escape or not UTF-8)' });
      return;
    }
    const id = idToken;
    const token = new IpcToken(version, type, id);
    if (env.method === null || env.method === '') {
      this.#malformed(token, { code: 'MISSING_METHOD', message: 'request has no "method"' });
      return;
    }
    if (type === IpcType.ASYNC_REQUEST) {
      if (id === null || id === 'null') {
        this.#malformed(token, { code: 'MISSING_ID', message: 'async request (0x04) needs an "id"' });
        return;
      }
      if (this.#asyncIds?.has(id)) {
        this.#malformed(token, { code: 'DUPLICATE_ID', message: `request id ${id} is already in flight` });
        return;
      }
    }
    this.wellFormed();
    const refused = this.admit();
    if (refused) {
      this.#answerNow(token, refused);
      return;
    }
    if (type === IpcType.SYNC) this.#syncQueue.push(token);
    else (this.#asyncIds ??= new Map()).set(id!, token);
    const body = env.paramsStart >= 0 ? payload.subarray(env.paramsStart, env.paramsEnd) : EMPTY;
    token.bytes = payload.length;
    const p = this.env.router.dispatch(this, token, env.method, BodyFormat.JSON, body, {
      timeoutMs: env.timeoutMs,
      traceparent: env.traceparent,
    });
    this.started(p, token.bytes);
  }

  /** A frame the client got wrong: answered with the error, and counted against the connection's error budget. */
  #malformed(token: IpcToken, error: SerializedError): void {
    this.#answerNow(token, error);
    if (this.malformed()) this.conn.end();
  }

  /** Answers a request that never reached the router (bad envelope, busy). */
  #answerNow(token: IpcToken, error: SerializedError): void {
    const frame = encodeIpcError(token.version, token.id, error);
    if (token.type !== IpcType.SYNC) {
      this.conn.write(frame);
      return;
    }
    // Held behind earlier sync requests, and counted in flight like them.
    token.frame = frame;
    this.#syncQueue.push(token);
    this.started(null, 0);
    this.#drainSync();
  }

  resolve(p: Pending, result: Uint8Array): void {
    const t = p.token as IpcToken;
    const type = t.type === IpcType.SYNC ? IpcType.SYNC : IpcType.ASYNC_RESPONSE;
    this.#deliver(t, encodeIpcResult(t.version, type, t.id, result));
  }

  reject(p: Pending, error: SerializedError): void {
    const t = p.token as IpcToken;
    this.#deliver(t, encodeIpcError(t.version, t.id, error));
  }

  #deliver(t: IpcToken, frame: Buffer): void {
    if (t.type === IpcType.SYNC) {
      t.frame = frame;
      if (this.#syncQueue[this.#syncHead] !== t) {
        // Held behind an earlier sync request: its bytes count until it is written.
        t.heldReply = frame.length;
        this.holdReply(frame.length);
      }
      this.#drainSync();
    } else {
      this.#asyncIds?.delete(t.id!);
      this.settled(t.bytes);
      this.conn.write(frame);
    }
  }

  #drainSync(): void {
    const q = this.#syncQueue;
    while (this.#syncHead < q.length && q[this.#syncHead]!.frame) {
      const t = q[this.#syncHead]!;
      this.conn.write(t.frame!);
      if (t.heldReply !== 0) this.releaseReply(t.heldReply);
      q[this.#syncHead] = undefined as unknown as IpcToken;
      this.#syncHead++;
      this.settled(t.bytes);
    }
    if (this.#syncHead === q.length) {
      q.length = 0;
      this.#syncHead = 0;
    } else if (this.#syncHead > 1024) {
      q.splice(0, this.#syncHead);
      this.#syncHead = 0;
    }
  }
}
