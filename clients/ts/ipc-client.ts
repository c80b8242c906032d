import net from 'node:net';
import {
  IPC_V1_0,
  IPC_V1_1,
  IpcDecoder,
  IpcType,
  type IpcTypeValue,
  IPC_HEADER_BYTES,
  encodeIpcFrame,
  writeIpcHeader,
} from '../../runtime/codec/ipc.ts';
import { OutriggerError, type SerializedError } from '../../runtime/errors/error.ts';
import { DeadlineRegistry, type DeadlineEntry, type DeadlineList } from '../../runtime/router/deadlines.ts';

export interface IpcClientOptions {
  /** unix socket path, or use host+port for TCP */
  path?: string;
  host?: string;
  port?: number;
  /** connections in the pool (calls are spread round-robin) */
  pool?: number;
  timeoutMs?: number;
  /** idle heartbeat interval; a connection that misses two is replaced */
  heartbeatMs?: number;
  maxFrameBytes?: number;
  /** The daemon's shared token (security.token): presented with session.auth on every new connection before other calls. */
  token?: string;
}

export interface CallOptions {
  timeoutMs?: number;
  /** send as a v1.0 sync request (0x01) instead of async (0x04) */
  sync?: boolean;
  traceparent?: string;
  /** Deadline the daemon applies to this request (the envelope's `timeout`), in ms. */
  serverTimeoutMs?: number;
}

class Call implements DeadlineEntry {
  deadline = 0;
  dlPrev: DeadlineEntry | null = null;
  dlNext: DeadlineEntry | null = null;
  dlList: DeadlineList | null = null;
  constructor(
    readonly id: number,
    readonly conn: ClientConnection,
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: Error) => void,
  ) {}
}

class ClientConnection {
  socket: net.Socket | null = null;
  /** Connected, and the token (if any) accepted: calls may go out. */
  ready = false;
  connecting: Promise<net.Socket> | null = null;
  decoder: IpcDecoder;
  readonly async = new Map<number, Call>();
  readonly sync: Call[] = [];
  /** Frames of this event-loop turn, as header word (version << 8 | type) and JSON text; written by flush. */
  outHeads: number[] = [];
  outTexts: string[] = [];
  flushQueued = false;
  lastHeard = Date.now();
  failures = 0;

  constructor(readonly client: IpcClient) {
    this.decoder = new IpcDecoder(client.maxFrameBytes);
  }

  get inflight(): number {
    return this.async.size + this.sync.length;
  }

  ensure(): Promise<net.Socket> {
    if (this.ready && this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const o = this.client.opts;
      const s = o.path ? net.connect(o.path) : net.connect({ host: o.host ?? '127.0.0.1', port: o.port! });
      s.setNoDelay(true);
      s.once('connect', () => {
        this.socket = s;
        this.client.connects++;
        this.failures = 0;
        this.lastHeard = Date.now();
        this.decoder = new IpcDecoder(this.client.maxFrameBytes);
        const token = this.client.opts.token;
        if (token === undefined) {
          this.connecting = null;
          this.ready = true;
          resolve(s);
          return;
        }
        // The first call on the connection: nothing else goes out until the daemon accepted the token.
        this.client.sendOn(this, 'session.auth', { token }, {}).then(
          () => {
            this.connecting = null;
            this.ready = true;
            resolve(s);
          },
          (err: Error) => {
            this.connecting = null;
            s.destroy();
            reject(err);
          },
        );
      });
      s.once('error', (err) => {
        if (this.socket !== s) {
          this.connecting = null;
          this.failures++;
          reject(new OutriggerError('CONNECTION_CLOSED', `cannot connect: ${err.message}`));
        }
      });
      s.on('data', (chunk: Buffer) => this.onData(chunk));
      s.on('close', () => this.onClose(s));
    });
    return this.connecting;
  }

  /**
   * Queues one frame; every frame of the turn goes out in one write, encoded
   * straight into one buffer (no Buffer per frame, no concat copy).
   */
  send(version: number, type: number, text: string): void {
    this.outHeads.push((version << 8) | type);
    this.outTexts.push(text);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushQueued = false;
    const heads = this.outHeads;
    const texts = this.outTexts;
    this.outHeads = [];
    this.outTexts = [];
    const lens = texts.map((t) => Buffer.byteLength(t, 'utf8'));
    const data = Buffer.allocUnsafe(lens.reduce((n, l) => n + IPC_HEADER_BYTES + l, 0));
    let o = 0;
    for (let i = 0; i < texts.length; i++) {
      writeIpcHeader(data, o, heads[i]! >>> 8, heads[i]! & 0xff, lens[i]!);
      o += IPC_HEADER_BYTES;
      o += data.write(texts[i]!, o, lens[i]!, 'utf8');
    }
    this.socket?.write(data);
  }

  onData(chunk: Buffer): void {
    this.lastHeard = Date.now();
    const err = this.decoder.push(chunk, (_v, type, payload) => this.onFrame(type, payload));
    if (err) this.socket?.destroy(new Error(err.message));
  }

  onFrame(type: IpcTypeValue, payload: Buffer): void {
    if (type === IpcType.HEARTBEAT) return;
    const msg = JSON.parse(payload.utf8Slice()) as { id?: unknown; result?: unknown; error?: SerializedError };
    let call: Call | undefined;
    if (typeof msg.id === 'number' && this.async.has(msg.id)) {
      call = this.async.get(msg.id);
      this.async.delete(msg.id);
    } else if (this.sync.length > 0 && (msg.id === undefined || msg.id === null || msg.id === this.sync[0]!.id)) {
      call = this.sync.shift();
    }
    if (!call) return; // late reply after a client-side timeout
    this.client.deadlines.remove(call);
    if (type === IpcType.ERROR && msg.error) call.reject(new OutriggerError(msg.error.code, msg.error.message, msg.error.data));
    else call.resolve(msg.result);
  }

  onClose(s: net.Socket): void {
    if (this.socket !== s) return;
    this.socket = null;
    this.ready = false;
    const lost = [...this.async.values(), ...this.sync];
    this.async.clear();
    this.sync.length = 0;
    for (const c of lost) {
      this.client.deadlines.remove(c);
      c.reject(new OutriggerError('CONNECTION_CLOSED', 'connection closed before the reply arrived'));
    }
  }

  forget(call: Call): void {
    if (!this.async.delete(call.id)) {
      const i = this.sync.indexOf(call);
      // A sync reply still comes in order; keep a placeholder so the FIFO stays aligned.
      if (i >= 0) this.sync[i] = new Call(call.id, this, () => {}, () => {});
    }
  }
}

/** Client for Outrigger's binary IPC protocol (docs/ipc.md). */
export class IpcClient {
  readonly opts: IpcClientOptions;
  readonly maxFrameBytes: number;
  readonly deadlines: DeadlineRegistry<Call>;
  readonly #conns: ClientConnection[];
  #next = 0;
  #nextId = 1;
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;
  /** Successful connects so far (the pool size, plus one per reconnect). */
  connects = 0;

  constructor(opts: IpcClientOptions) {
    if (!opts.path && opts.port === undefined) throw new TypeError('IpcClient needs a unix path or a TCP port');
    this.opts = opts;
    this.maxFrameBytes = opts.maxFrameBytes ?? 16 * 1024 * 1024;
    this.#conns = Array.from({ length: Math.max(1, opts.pool ?? 1) }, () => new ClientConnection(this));
    this.deadlines = new DeadlineRegistry<Call>((call) => {
      call.conn.forget(call);
      call.reject(new OutriggerError('TIMEOUT', 'call timed out (client side)'));
    });
    const hb = opts.heartbeatMs ?? 15_000;
    if (hb > 0) {
      this.#heartbeat = setInterval(() => this.#beat(hb), hb);
      this.#heartbeat.unref();
    }
  }

  call(method: string, params?: unknown, opts: CallOptions = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(new OutriggerError('CONNECTION_CLOSED', 'client is closed'));
    const conn = this.#conns[this.#next]!;
    this.#next = (this.#next + 1) % this.#conns.length;
    if (!conn.ready) return conn.ensure().then(() => this.sendOn(conn, method, params, opts));
    return this.sendOn(conn, method, params, opts);
  }

  /** Sends one call on a connected socket (call() picks the connection and connects it first). */
  sendOn(conn: ClientConnection, method: string, params: unknown, opts: CallOptions): Promise<unknown> {
    const id = this.#nextId++;
    // The envelope as text directly: no envelope object per call.
    let text = `{"id":${id},"method":${JSON.stringify(method)}`;
    const paramsJson = JSON.stringify(params) as string | undefined; // undefined (and functions) leave params out, as in an object
    if (paramsJson !== undefined) text += `,"params":${paramsJson}`;
    if (opts.traceparent) text += `,"traceparent":${JSON.stringify(opts.traceparent)}`;
    if (opts.serverTimeoutMs !== undefined) text += `,"timeout":${JSON.stringify(opts.serverTimeoutMs)}`;
    text += '}';
    return new Promise((resolve, reject) => {
      const call = new Call(id, conn, resolve, reject);
      if (opts.sync) conn.sync.push(call);
      else conn.async.set(id, call);
      this.deadlines.add(call, opts.timeoutMs ?? this.opts.timeoutMs ?? 30_000);
      conn.send(opts.sync ? IPC_V1_0 : IPC_V1_1, opts.sync ? IpcType.SYNC : IpcType.ASYNC_REQUEST, text);
    });
  }

  /** Sends a raw, pre-built frame on the first connection (tests use it for malformed input). */
  async sendRaw(bytes: Buffer): Promise<void> {
    const conn = this.#conns[0]!;
    const s = await conn.ensure();
    s.write(bytes);
  }

  /** Round-trips a heartbeat on every connection; rejects if any connection fails. */
  async ping(timeoutMs = 2000): Promise<void> {
    await Promise.all(
      this.#conns.map(async (c) => {
        const s = await c.ensure();
        const before = c.lastHeard;
        s.write(encodeIpcFrame(IPC_V1_0, IpcType.HEARTBEAT, Buffer.alloc(0)));
        const until = Date.now() + timeoutMs;
        while (c.lastHeard === before) {
          if (Date.now() > until) throw new OutriggerError('TIMEOUT', 'heartbeat not answered');
          await new Promise((r) => setTimeout(r, 5));
        }
      }),
    );
  }

  #beat(interval: number): void {
    const now = Date.now();
    for (const c of this.#conns) {
      if (!c.socket) continue;
      if (now - c.lastHeard > 2 * interval + 1000) c.socket.destroy(new Error('heartbeat missed'));
      else if (now - c.lastHeard >= interval) c.socket.write(encodeIpcFrame(IPC_V1_0, IpcType.HEARTBEAT, Buffer.alloc(0)));
    }
  }

  get inflight(): number {
    return this.#conns.reduce((n, c) => n + c.inflight, 0);
  }

  close(): void {
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const c of this.#conns) c.socket?.end();
  }
}
