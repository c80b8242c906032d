import type { Logger } from 'pino';
import { BodyFormat } from '../actor/formats.ts';
import '../actor/extra-formats.ts';
import {
  GORIDGE_ERR_UNKNOWN_DECODER,
  GORIDGE_FLAG,
  GoridgeDecoder,
  type GoridgeCodec,
  type GoridgeDecodeError,
  type GoridgeFrame,
  codecOf,
  encodeGoridgeError,
  encodeGoridgeReply,
  goridgeErrorText,
  replyCodecFlag,
  requestBodyCodec,
} from '../codec/goridge.ts';
import type { SerializedError } from '../errors/error.ts';
import type { ListenerRateLimit, TokenBucket } from '../resilience/rate-limit.ts';
import type { Pending, ReplySink } from '../router/pending.ts';
import type { Router } from '../router/router.ts';
import type { Connection, ProtocolSession } from '../transport/connection.ts';
import { ConnectionAdmission } from './admission.ts';
import type { GoridgeMethodTable } from './goridge-methods.ts';

export interface GoridgeLimits {
  /** Cap on a frame's payload (method name + body). */
  maxFrameBytes: number;
  maxInflightPerConnection: number;
  overflow: 'pause' | 'reject';
  /** The listener's per-connection rate limit, if any. */
  rateLimit?: ListenerRateLimit | null | undefined;
}

/** Reply context of one Goridge call: what the reply frame must echo. */
class GoridgeToken {
  constructor(
    readonly seq: number,
    readonly method: Buffer,
    readonly codecFlag: number,
  ) {}
}

const FORMAT_OF_CODEC: Partial<Record<GoridgeCodec, BodyFormat>> = {
  json: BodyFormat.JSON,
  msgpack: BodyFormat.MSGPACK,
  raw: BodyFormat.RAW,
  gob: BodyFormat.GOB,
};

/** How long a connection with a broken frame stream may linger for its client to close it (Go: 2 s). */
const LINGER_MS = 2000;

/**
 * Goridge v3 RPC over one connection, behaving as Go's net/rpc server with
 * goridge's codec: each call is answered as soon as it completes (pipelined
 * Go clients get replies out of order, matched by seq), a reply echoes the
 * request's seq and method and uses its codec, and a broken frame stream
 * (bad CRC, option count other than 2) stops reading and closes the
 * connection without a reply once calls in flight have been answered.
 */
export class GoridgeSession implements ProtocolSession, ReplySink {
  readonly #decoder: GoridgeDecoder;
  #inflight = 0;
  readonly #admission: ConnectionAdmission;
  /** The frame stream is broken: input is discarded and the connection closes once calls in flight are answered. */
  #broken = false;
  readonly #bucket: TokenBucket | null;

  constructor(
    readonly conn: Connection,
    readonly router: Router,
    readonly methods: GoridgeMethodTable,
    readonly limits: GoridgeLimits,
    readonly log?: Logger,
  ) {
    this.#decoder = new GoridgeDecoder({ maxPayloadBytes: limits.maxFrameBytes });
    this.#admission = new ConnectionAdmission(conn, limits.maxInflightPerConnection);
    this.#bucket = limits.rateLimit?.forConnection() ?? null;
  }

  /** Listener name, for per-listener request metrics. */
  get listener(): string {
    return this.conn.listener;
  }

  get open(): boolean {
    return this.conn.open;
  }

  get inflight(): number {
    return this.#inflight;
  }

  onData(chunk: Buffer): void {
    if (this.#broken) return;
    const { frames, error } = this.#decoder.push(chunk);
    for (let i = 0; i < frames.length; i++) this.#onFrame(frames[i]!);
    if (error) this.#onBrokenStream(error);
  }

  onClose(): void {
    this.#inflight = 0;
  }

  #onFrame(f: GoridgeFrame): void {
    const replyCodec = codecOf(f.flags);
    const replyFlag = replyCodecFlag(replyCodec);
    // net/rpc looks the method up before decoding the body, so a bad name wins over a bad codec.
    const target = this.methods.resolve(f.method);
    if (typeof target === 'string') {
      this.conn.write(encodeGoridgeError(f.seq, f.methodBytes, replyFlag, target));
      return;
    }
    const { method, nameBytes } = target;
    const bodyCodec = requestBodyCodec(f.flags);
    const format = FORMAT_OF_CODEC[bodyCodec];
    if (format === undefined || bodyCodec !== replyCodec) {
      this.conn.write(encodeGoridgeError(f.seq, nameBytes, replyFlag, codecErrorText(f.flags, bodyCodec, f.method)));
      return;
    }
    if (this.limits.overflow === 'reject' && this.#inflight >= this.limits.maxInflightPerConnection) {
      const text = goridgeErrorText({
        code: 'BUSY',
        message: `connection has ${this.#inflight} calls in flight (limit ${this.limits.maxInflightPerConnection})`,
      });
      this.conn.write(encodeGoridgeError(f.seq, nameBytes, replyFlag, text));
      return;
    }
    if (this.#bucket) {
      const limited = this.limits.rateLimit!.admit(this.#bucket);
      if (limited) {
        this.conn.write(encodeGoridgeError(f.seq, nameBytes, replyFlag, goridgeErrorText(limited)));
        return;
      }
    }
    this.#inflight++;
    const token = new GoridgeToken(f.seq, nameBytes, replyFlag);
    const p = this.router.dispatch(this, token, method, format, f.body);
    this.#admission.dispatched(this.#inflight, p);
  }

  #onBrokenStream(err: GoridgeDecodeError): void {
    this.#broken = true;
    this.log?.warn({ conn: this.conn.id, remote: this.conn.remote, code: err.code, reason: err.message }, 'goridge: closing connection');
    if (err.code === 'FRAME_TOO_LARGE' && err.seq !== undefined) {
      // Go has no cap; ours answers the refused call so the client sees why, then closes.
      this.conn.write(encodeGoridgeError(err.seq, '', GORIDGE_FLAG.JSON, goridgeErrorText(err)));
    }
    if (this.#inflight === 0) this.#close();
  }

  /**
   * Half-closes after the queued replies, then keeps reading (and dropping)
   * what the client still sends: closing with unread input would make the
   * kernel answer RST, which can destroy the error reply before the client
   * reads it. Like Go's 2 s drain, the socket is destroyed if the client
   * does not close within LINGER_MS.
   */
  #close(): void {
    this.conn.end();
    this.conn.socket.resume();
    setTimeout(() => this.conn.destroy(), LINGER_MS).unref();
  }

  resolve(p: Pending, result: Uint8Array): void {
    const t = p.token as GoridgeToken;
    this.#settled();
    this.conn.write(encodeGoridgeReply(t.seq, t.method, t.codecFlag, result));
    if (this.#broken && this.#inflight === 0) this.#close();
  }

  reject(p: Pending, error: SerializedError): void {
    const t = p.token as GoridgeToken;
    this.#settled();
    this.conn.write(encodeGoridgeError(t.seq, t.method, t.codecFlag, goridgeErrorText(error)));
    if (this.#broken && this.#inflight === 0) this.#close();
  }

  #settled(): void {
    this.#inflight--;
    this.#admission.settled(this.#inflight);
  }
}

function codecErrorText(flags: number, bodyCodec: GoridgeCodec, method: string): string {
  const hex = `0x${flags.toString(16).padStart(2, '0')}`;
  switch (bodyCodec) {
    case 'none':
      // Go's exact text (it falls back to gob for the reply, as replyCodecFlag does).
      return GORIDGE_ERR_UNKNOWN_DECODER;
    case 'proto':
      return goridgeErrorText({
        code: 'UNSUPPORTED_CODEC',
        message: `protobuf bodies are not supported (${method}); call with the JSON, msgpack, raw or gob codec`,
      });
    default:
      return goridgeErrorText({
        code: 'UNSUPPORTED_CODEC',
        message: `frame flags ${hex} set several codec bits; set exactly one of JSON, msgpack, raw or gob`,
      });
  }
}
