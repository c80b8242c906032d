import { BodyFormat } from '../codec/body/formats.ts';
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
import type { Pending } from '../router/pending.ts';
import { Session, type SessionEnv } from '../session/session.ts';
import type { Connection } from '../transport/connection.ts';
import type { GoridgeMethodTable } from './goridge-methods.ts';

/** Reply context of one Goridge call: what the reply frame must echo. */
class GoridgeToken {
  constructor(
    readonly seq: number,
    readonly method: Buffer,
    readonly codecFlag: number,
    /** The request body's size, counted in flight until the reply goes out. */
    readonly bytes: number,
  ) {}
}

const FORMAT_OF_CODEC: Partial<Record<GoridgeCodec, BodyFormat>> = {
  json: BodyFormat.JSON,
  msgpack: BodyFormat.MSGPACK,
  raw: BodyFormat.RAW,
  gob: BodyFormat.GOB,
};

/**
 * Goridge v3 RPC over one connection, behaving as Go's net/rpc server with
 * goridge's codec: each call is answered as soon as it completes (pipelined
 * Go clients get replies out of order, matched by seq), a reply echoes the
 * request's seq and method and uses its codec, and a broken frame stream
 * (bad CRC, option count other than 2) stops reading and closes the
 * connection without a reply once calls in flight have been answered.
 */
export class GoridgeSession extends Session {
  readonly #decoder: GoridgeDecoder;
  /** The frame stream is broken: input is discarded and the connection closes once calls in flight are answered. */
  #broken = false;

  constructor(
    conn: Connection,
    env: SessionEnv,
    readonly methods: GoridgeMethodTable,
  ) {
    super(conn, env);
    this.#decoder = new GoridgeDecoder({ maxPayloadBytes: env.limits.maxFrameBytes });
  }

  get partialBytes(): number {
    return this.#broken ? 0 : this.#decoder.partialBytes;
  }

  onData(chunk: Buffer): void {
    if (this.#broken) return;
    const { frames, error } = this.#decoder.push(chunk);
    // A stream broken part-way through the chunk (error budget spent) leaves the rest unanswered.
    for (let i = 0; i < frames.length && !this.#broken; i++) this.#onFrame(frames[i]!);
    if (error) this.#onBrokenStream(error);
    this.afterRead(chunk.length);
  }

  #onFrame(f: GoridgeFrame): void {
    const replyCodec = codecOf(f.flags);
    const replyFlag = replyCodecFlag(replyCodec);
    // net/rpc looks the method up before decoding the body, so a bad name wins over a bad codec.
    const target = this.methods.resolve(f.method);
    if (typeof target === 'string') {
      this.#malformed(encodeGoridgeError(f.seq, f.methodBytes, replyFlag, target));
      return;
    }
    const { method, nameBytes } = target;
    const bodyCodec = requestBodyCodec(f.flags);
    const format = FORMAT_OF_CODEC[bodyCodec];
    if (format === undefined || bodyCodec !== replyCodec) {
      this.#malformed(encodeGoridgeError(f.seq, nameBytes, replyFlag, codecErrorText(f.flags, bodyCodec, f.method)));
      return;
    }
    this.wellFormed();
    const refused = this.admit();
    if (refused) {
      this.conn.write(encodeGoridgeError(f.seq, nameBytes, replyFlag, goridgeErrorText(refused)));
      return;
    }
    const token = new GoridgeToken(f.seq, nameBytes, replyFlag, f.body.length);
    const p = this.env.router.dispatch(this, token, method, format, f.body);
    this.started(p, token.bytes);
  }

  /** A call the client got wrong: answered, and counted against the connection's error budget. */
  #malformed(reply: Buffer): void {
    this.conn.write(reply);
    if (this.malformed()) this.#onBrokenStream(null);
  }

  #onBrokenStream(err: GoridgeDecodeError | null): void {
    if (this.#broken) return;
    this.#broken = true;
    if (err) this.env.stats.malformed++;
    this.env.log.debug({ conn: this.conn.id, remote: this.conn.remote, code: err?.code ?? 'TOO_MANY_ERRORS', reason: err?.message }, 'goridge: closing connection');
    if (err?.code === 'FRAME_TOO_LARGE' && err.seq !== undefined) {
      // Go has no cap; ours answers the refused call so the client sees why, then closes.
      this.conn.write(encodeGoridgeError(err.seq, '', GORIDGE_FLAG.JSON, goridgeErrorText(err)));
    }
    if (this.inflight === 0) this.#close();
  }

  /**
   * Half-closes after the queued replies; what the client still sends is
   * read and dropped, and a client that does not close within Go's 2 s
   * drain is destroyed (Connection.end).
   */
  #close(): void {
    this.conn.end();
  }

  resolve(p: Pending, result: Uint8Array): void {
    const t = p.token as GoridgeToken;
    this.settled(t.bytes);
    this.conn.write(encodeGoridgeReply(t.seq, t.method, t.codecFlag, result));
    if (this.#broken && this.inflight === 0) this.#close();
  }

  reject(p: Pending, error: SerializedError): void {
    const t = p.token as GoridgeToken;
    this.settled(t.bytes);
    this.conn.write(encodeGoridgeError(t.seq, t.method, t.codecFlag, goridgeErrorText(error)));
    if (this.#broken && this.inflight === 0) this.#close();
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
