import { BodyFormat } from '../codec/body/formats.ts';
import {
  IPC_V1_0,
  IpcDecoder,
  IpcType,
  type IpcTypeValue,
  encodeIpcError,
  encodeIpcFrame,
  encodeIpcResult,
} from '../codec/ipc.ts';
import { type EnvelopeError, scanEnvelope } from '../codec/json-envelope.ts';
import type { SerializedError } from '../errors/error.ts';
import type { Pending, ReplySink } from '../router/pending.ts';
import type { Router } from '../router/router.ts';
import type { ListenerRateLimit, TokenBucket } from '../resilience/rate-limit.ts';
import type { Connection, ProtocolSession } from '../transport/connection.ts';
import { ConnectionAdmission } from './admission.ts';

export interface IpcLimits {
  maxFrameBytes: number;
  maxInflightPerConnection: number;
  overflow: 'pause' | 'reject';
  /** The listener's per-connection rate limit, if any. */
  rateLimit?: ListenerRateLimit | null | undefined;
}

/** Reply context of one IPC request. */
class IpcToken {
  /** Finished reply frame of a sync request, held until earlier syncs are answered. */
  frame: Buffer | null = null;
  /** Answered by id (0x04): counted in ipc_async_timeout when its deadline passes. */
  readonly async: boolean;
  constructor(
    readonly version: number,
    readonly type: IpcTypeValue,
    readonly id: string | null,
  ) {
    this.async = type === IpcType.ASYNC_REQUEST;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Binary IPC over one connection: sync requests are answered in order,
 * async requests as they complete, matched by id.
 */
export class IpcSession implements ProtocolSession, ReplySink {
  readonly #decoder: IpcDecoder;
  readonly #syncQueue: IpcToken[] = [];
  #syncHead = 0;
  readonly #asyncIds = new Map<string, IpcToken>();
  #inflight = 0;
  readonly #admission: ConnectionAdmission;
  readonly #bucket: TokenBucket | null;

  constructor(
    readonly conn: Connection,
    readonly router: Router,
    readonly limits: IpcLimits,
  ) {
    this.#decoder = new IpcDecoder(limits.maxFrameBytes);
    this.#admission = new ConnectionAdmission(conn, limits.maxInflightPerConnection);
    this.#bucket = limits.rateLimit?.forConnection() ?? null;
  }

  /** Listener name, for per-listener request metrics. */
  get listener(): string {
    return this.conn.listener;
  }

  /** Async requests (0x04) awaiting their reply: summed into ipc_async_pending. */
  get asyncPending(): number {
    return this.#asyncIds.size;
  }

  get open(): boolean {
    return this.conn.open;
  }

  get inflight(): number {
    return this.#inflight;
  }

  onData(chunk: Buffer): void {
    const err = this.#decoder.push(chunk, this.#onFrame);
    if (err) {
      // The stream can't be resynchronised after a bad header: say why, then close.
      this.conn.write(encodeIpcError(IPC_V1_0, null, err));
      this.conn.end();
    }
  }

  onClose(): void {
    this.#asyncIds.clear();
    this.#syncQueue.length = 0;
  }

  readonly #onFrame = (version: number, type: IpcTypeValue, payload: Buffer): void => {
    switch (type) {
      case IpcType.HEARTBEAT:
        this.conn.write(encodeIpcFrame(version, IpcType.HEARTBEAT, EMPTY));
        return;
      case IpcType.SYNC:
      case IpcType.ASYNC_REQUEST:
        this.#onRequest(version, type, payload);
        return;
      default:
        this.conn.write(
          encodeIpcError(version, null, {
            code: 'UNEXPECTED_TYPE',
            message: `frame type 0x0${type} is sent by servers, not clients`,
          }),
        );
    }
  };

  #onRequest(version: number, type: IpcTypeValue, payload: Buffer): void {
    let env;
    try {
      env = scanEnvelope(payload);
    } catch (err) {
      const e = err as EnvelopeError;
      const id = e.envelope && e.envelope.idStart >= 0 ? payload.latin1Slice(e.envelope.idStart, e.envelope.idEnd) : null;
      this.#answerNow(new IpcToken(version, type, id), { code: 'MALFORMED_JSON', message: e.message });
      return;
    }
    const id = env.idStart >= 0 ? payload.latin1Slice(env.idStart, env.idEnd) : null;
    const token = new IpcToken(version, type, id);
    if (env.method === null || env.method === '') {
      this.#answerNow(token, { code: 'MISSING_METHOD', message: 'request has no "method"' });
      return;
    }
    if (type === IpcType.ASYNC_REQUEST) {
      if (id === null || id === 'null') {
        this.#answerNow(token, { code: 'MISSING_ID', message: 'async request (0x04) needs an "id"' });
        return;
      }
      if (this.#asyncIds.has(id)) {
        this.#answerNow(token, { code: 'DUPLICATE_ID', message: `request id ${id} is already in flight` });
        return;
      }
    }
    if (this.limits.overflow === 'reject' && this.#inflight >= this.limits.maxInflightPerConnection) {
      this.#answerNow(token, {
        code: 'BUSY',
        message: `connection has ${this.#inflight} requests in flight (limit ${this.limits.maxInflightPerConnection})`,
      });
      return;
    }
    if (this.#bucket) {
      const limited = this.limits.rateLimit!.admit(this.#bucket);
      if (limited) {
        this.#answerNow(token, limited);
        return;
      }
    }
    if (type === IpcType.SYNC) this.#syncQueue.push(token);
    else this.#asyncIds.set(id!, token);
    this.#inflight++;
    const body = env.paramsStart >= 0 ? payload.subarray(env.paramsStart, env.paramsEnd) : EMPTY;
    const p = this.router.dispatch(this, token, env.method, BodyFormat.JSON, body, {
      timeoutMs: env.timeoutMs,
      traceparent: env.traceparent,
    });
    this.#admission.dispatched(this.#inflight, p);
  }

  /** Answers a request that never reached the router (bad envelope, busy). */
  #answerNow(token: IpcToken, error: SerializedError): void {
    const frame = encodeIpcError(token.version, token.id, error);
    if (token.type === IpcType.SYNC) {
      token.frame = frame;
      this.#syncQueue.push(token);
      this.#drainSync();
    } else this.conn.write(frame);
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
    this.#inflight--;
    this.#admission.settled(this.#inflight);
    if (t.type === IpcType.SYNC) {
      t.frame = frame;
      this.#drainSync();
    } else {
      this.#asyncIds.delete(t.id!);
      this.conn.write(frame);
    }
  }

  #drainSync(): void {
    const q = this.#syncQueue;
    while (this.#syncHead < q.length && q[this.#syncHead]!.frame) {
      this.conn.write(q[this.#syncHead]!.frame!);
      q[this.#syncHead] = undefined as unknown as IpcToken;
      this.#syncHead++;
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
