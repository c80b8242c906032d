import net from 'node:net';
import { type IspMessage, parseIspLine } from '../../actors/modbus/isp/codec.ts';
import { LineDecoder } from '../../runtime/codec/lines.ts';

/** One data point as the sidecar sends it in DATA. */
export interface IspPoint {
  key: string;
  source: string;
  timestamp: number;
  value: unknown;
  type: string;
  quality: 1 | 0 | -1;
  tags?: Record<string, unknown>;
}

export interface IspClientOptions {
  host?: string;
  /** TCP port; or `path`, the listener's unix socket. */
  port?: number;
  path?: string;
  /** Cap for lines from the sidecar (STATUS with values can be large). */
  maxLineBytes?: number;
  timeoutMs?: number;
  /** HEARTBEAT interval; the sidecar drops a gateway silent for several of its own intervals. 0: none. */
  heartbeatMs?: number;
}

interface Waiter {
  resolve: (m: IspMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A gateway's side of the ISP gateway protocol (docs/isp.md): CONFIG / STATUS requests matched to
 * their RESPONSE by id, DATA points delivered to `onPoints`. Every line from
 * the sidecar is validated, so tests using it also check the wire format.
 */
export class IspClient {
  readonly messages: IspMessage[] = [];
  /** Lines the sidecar sent that did not validate (should stay empty). */
  readonly invalid: string[] = [];
  readonly #pointListeners = new Set<(points: IspPoint[], msg: IspMessage) => void>();
  onMessage: (msg: IspMessage) => void = () => {};
  /** Every line as received (JSON.parse rounds 64-bit integers; the raw text keeps their digits). */
  onRawLine: (line: string) => void = () => {};
  #seq = 0;
  readonly #waiters = new Map<string, Waiter>();
  readonly #decoder: LineDecoder;
  #closed = false;
  #heartbeat: NodeJS.Timeout | null = null;

  private constructor(
    readonly socket: net.Socket,
    readonly opts: IspClientOptions,
  ) {
    this.#decoder = new LineDecoder(opts.maxLineBytes ?? 64 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) =>
      this.#decoder.push(
        chunk,
        (line) => this.#onLine(line),
        (e) => this.invalid.push(e.message),
      ),
    );
    const beat = opts.heartbeatMs ?? 15_000;
    if (beat > 0) {
      this.#heartbeat = setInterval(() => this.send('HEARTBEAT'), beat);
      this.#heartbeat.unref();
    }
    socket.on('close', () => {
      this.#closed = true;
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      for (const w of this.#waiters.values()) {
        clearTimeout(w.timer);
        w.reject(new Error('ISP connection closed'));
      }
      this.#waiters.clear();
    });
    socket.on('error', () => {});
  }

  static connect(opts: IspClientOptions): Promise<IspClient> {
    return new Promise((resolve, reject) => {
      if (opts.path === undefined && opts.port === undefined) throw new TypeError('IspClient.connect needs a port or a path');
      const socket = opts.path !== undefined ? net.connect(opts.path) : net.connect({ host: opts.host ?? '127.0.0.1', port: opts.port! });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new IspClient(socket, opts));
      });
      socket.once('error', reject);
    });
  }

  /** Calls `fn` with the points of every DATA message; returns the unsubscribe function. */
  subscribe(fn: (points: IspPoint[], msg: IspMessage) => void): () => void {
    this.#pointListeners.add(fn);
    return () => this.#pointListeners.delete(fn);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onLine(line: Buffer): void {
    this.onRawLine(line.toString('utf8'));
    const r = parseIspLine(line, 'sidecar');
    if (!r.ok) {
      this.invalid.push(`${r.error.code}: ${r.error.message}: ${line.toString().slice(0, 200)}`);
      return;
    }
    const msg = r.msg;
    this.messages.push(msg);
    if (this.messages.length > 10_000) this.messages.splice(0, 5000);
    this.onMessage(msg);
    if (msg.type === 'DATA') for (const fn of this.#pointListeners) fn(msg.payload!.points as IspPoint[], msg);
    else if ((msg.type === 'RESPONSE' || msg.type === 'HEARTBEAT') && msg.id !== undefined) {
      const w = this.#waiters.get(msg.id);
      if (w) {
        this.#waiters.delete(msg.id);
        clearTimeout(w.timer);
        w.resolve(msg);
      }
    }
  }

  /** Writes raw text (a line per message; the caller adds "\n"), as telnet would. */
  sendRaw(text: string | Buffer): void {
    this.socket.write(text);
  }

  send(type: string, payload?: unknown, id?: string): void {
    const msg: Record<string, unknown> = { type, timestamp: Date.now() * 1e6 };
    if (id !== undefined) msg.id = id;
    if (payload !== undefined) msg.payload = payload;
    this.socket.write(JSON.stringify(msg) + '\n');
  }

  /** Sends a message with a fresh id and resolves with the reply carrying that id. */
  request(type: 'CONFIG' | 'STATUS' | 'HEARTBEAT', payload?: unknown, id = `${type.toLowerCase()}-${++this.#seq}`): Promise<IspMessage> {
    const p = this.waitFor(id);
    this.send(type, payload, id);
    return p;
  }

  /** Resolves with the next RESPONSE or HEARTBEAT carrying `id`. */
  waitFor(id: string, timeoutMs = this.opts.timeoutMs ?? 10_000): Promise<IspMessage> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error('ISP connection closed'));
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        reject(new Error(`no reply to '${id}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.set(id, { resolve, reject, timer });
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}
