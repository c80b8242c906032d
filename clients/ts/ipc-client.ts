import net from 'node:net';
import {
  IPC_V1_0,
  IPC_V1_1,
  IpcDecoder,
  IpcType,
  type IpcTypeValue,
  encodeIpcFrame,
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
  connecting: Promise<net.Socket> | null = null;
  decoder: IpcDecoder;
  readonly async = new Map<number, Call>();
  readonly sync: Call[] = [];
  out: Buffer[] = [];
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
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const o = this.client.opts;
      const s = o.path ? net.connect(o.path) : net.connect({ host: o.host ?? '127.0.0.1', port: o.port! });
      s.setNoDelay(true);
      s.once('connect', () => {
        this.socket = s;
        this.client.connects++;
        this.connecting = null;
        this.failures = 0;
        this.lastHeard = Date.now();
        this.decoder = new IpcDecoder(this.client.maxFrameBytes);
        resolve(s);
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

  send(frame: Buffer): void {
    this.out.push(frame);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        const data = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
        this.out = [];
        this.socket?.write(data);
      });
    }
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

/** Client for Outrigger's binary IPC protocol (seed 004). */
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

  async call(method: string, params?: unknown, opts: CallOptions = {}): Promise<unknown> {
    if (this.#closed) throw new OutriggerError('CONNECTION_CLOSED', 'client is closed');
    const conn = this.#conns[this.#next]!;
    this.#next = (this.#next + 1) % this.#conns.length;
    if (!conn.socket) await conn.ensure();
    const id = this.#nextId++;
    const envelope: Record<string, unknown> = { id, method, params };
    if (opts.traceparent) envelope.traceparent = opts.traceparent;
    if (opts.serverTimeoutMs !== undefined) envelope.timeout = opts.serverTimeoutMs;
    const frame = encodeIpcFrame(opts.sync ? IPC_V1_0 : IPC_V1_1, opts.sync ? IpcType.SYNC : IpcType.ASYNC_REQUEST, JSON.stringify(envelope));
    return new Promise((resolve, reject) => {
      const call = new Call(id, conn, resolve, reject);
      if (opts.sync) conn.sync.push(call);
      else conn.async.set(id, call);
      this.deadlines.add(call, opts.timeoutMs ?? this.opts.timeoutMs ?? 30_000);
      conn.send(frame);
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
