import net from 'node:net';
import { GORIDGE_FLAG, GoridgeDecoder, type GoridgeErrorInfo, encodeGoridgeRequest, parseGoridgeErrorText } from '../../runtime/codec/goridge.ts';

/** A Goridge reply as it came off the wire. */
export interface GoridgeReply {
  seq: number;
  flags: number;
  method: string;
  body: Buffer;
  /** True when the ERROR flag (0x40) is set; `body` is then the error text. */
  isError: boolean;
  /** An error reply's code, message and data (docs/goridge.md, error replies); null for a result. */
  error: GoridgeErrorInfo | null;
}

export interface GoridgeClientOptions {
  /** `tcp://host:port` or `unix:///path`. */
  address: string;
  timeoutMs?: number;
  /** Keep every received byte (tests compare whole frames with captured ones). */
  record?: boolean;
  /** The daemon's shared token (security.token): presented with Session.Auth right after connecting, before other calls. */
  token?: string;
}

/**
 * Minimal Goridge v3 RPC client: one connection, calls pipelined and matched
 * by seq (as Go's net/rpc client does). Bodies are bytes; encoding them is the
 * caller's choice of codec. Used by tests and tools, not by the daemon.
 */
export class GoridgeClient {
  readonly socket: net.Socket;
  readonly #waiting = new Map<number, { resolve: (r: GoridgeReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly #decoder = new GoridgeDecoder();
  readonly #connected: Promise<void>;
  readonly #timeoutMs: number;
  readonly #received: Buffer[] | null;
  #nextSeq = 1;
  #closed: Error | null = null;
  /** Replies in arrival order (tests check ordering). */
  readonly arrivals: number[] = [];
  /** Resolves when the connection has closed (either side). */
  readonly closed: Promise<void>;

  constructor(opts: GoridgeClientOptions) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#received = opts.record ? [] : null;
    this.socket = connect(opts.address);
    this.socket.setNoDelay(true);
    const connected = new Promise<void>((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    const token = opts.token;
    this.#connected =
      token === undefined
        ? connected
        : connected.then(async () => {
            const seq = this.#nextSeq++;
            const r = await this.send(encodeGoridgeRequest(seq, 'Session.Auth', GORIDGE_FLAG.JSON, Buffer.from(JSON.stringify({ token }))), seq);
            if (r.isError) {
              this.socket.destroy();
              throw Object.assign(new Error(r.body.toString('utf8')), { code: r.error?.code });
            }
          });
    this.#connected.catch(() => {});
    this.socket.on('data', (chunk: Buffer) => {
      this.#received?.push(Buffer.from(chunk));
      const { frames, error } = this.#decoder.push(chunk);
      for (const f of frames) {
        this.arrivals.push(f.seq);
        const w = this.#waiting.get(f.seq);
        if (!w) continue;
        this.#waiting.delete(f.seq);
        clearTimeout(w.timer);
        const isError = (f.flags & GORIDGE_FLAG.ERROR) !== 0;
        w.resolve({
          seq: f.seq,
          flags: f.flags,
          method: f.method,
          body: Buffer.from(f.body),
          isError,
          error: isError ? parseGoridgeErrorText(f.body.toString('utf8')) : null,
        });
      }
      if (error) this.socket.destroy(new Error(`bad reply frame: ${error.message}`));
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      this.socket.on('close', () => {
        this.#failAll(new Error('connection closed'));
        resolve();
      }),
    );
  }


  connected(): Promise<void> {
    return this.#connected;
  }

  /** Sends one call; `seq` defaults to a per-connection counter starting at 1. */
  async call(method: string, body: Uint8Array, codecFlag: number = GORIDGE_FLAG.JSON, seq?: number): Promise<GoridgeReply> {
    await this.#connected;
    return this.send(encodeGoridgeRequest(seq ?? this.#nextSeq, method, codecFlag, body), seq ?? this.#nextSeq++);
  }

  /** Writes prepared bytes and waits for the reply carrying `seq`. */
  send(frame: Uint8Array, seq: number): Promise<GoridgeReply> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(seq);
        reject(new Error(`no reply for seq ${seq} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#waiting.set(seq, { resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  /** Everything received so far (only with `record: true`). */
  received(): Buffer {
    return Buffer.concat(this.#received ?? []);
  }

  /** Writes bytes without expecting a reply (malformed-input tests). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  #failAll(err: Error): void {
    this.#closed = err;
    for (const w of this.#waiting.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.#waiting.clear();
  }
}

function connect(address: string): net.Socket {
  const m = /^(tcp|unix):\/\/(.+)$/.exec(address);
  if (!m) throw new TypeError(`address must be tcp://host:port or unix:///path, got '${address}'`);
  if (m[1] === 'unix') return net.connect(m[2]!);
  const colon = m[2]!.lastIndexOf(':');
  return net.connect({ host: m[2]!.slice(0, colon), port: Number(m[2]!.slice(colon + 1)) });
}
