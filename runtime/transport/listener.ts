import net from 'node:net';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type { Logger } from 'pino';
import { Connection, type ProtocolSession, connectionOf } from './connection.ts';
import { repeatLimit } from '../log.ts';
import { type CidrList, parseCidrs, isAllowed } from './cidr.ts';
import { ListenerRateLimit, type RateLimitSpec } from '../resilience/rate-limit.ts';

export interface ListenerSpec {
  name: string;
  tcp?: { host: string; port: number } | undefined;
  unix?: { path: string; mode: number } | undefined;
  maxConnections: number;
  allow?: string[] | undefined;
  /** Per-connection request rate limit; sessions take a bucket each. */
  rateLimit?: RateLimitSpec | undefined;
}

/** Connections open across all listeners, against one cap (file descriptors are one pool). */
export class ConnectionCount {
  open = 0;
  constructor(public max: number) {}
}

export type RefusalReason = 'limit' | 'total-limit' | 'allow-list';

/** Makes the session of a new connection (the protocol's, over the shared admission layer). */
export type AcceptFn = (conn: Connection) => ProtocolSession;

/** Binds one protocol on TCP and/or a unix socket; owns the connections. */
export class Listener {
  readonly connections = new Set<Connection>();
  readonly #servers: net.Server[] = [];
  #allow: CidrList | null;
  rateLimit: ListenerRateLimit | null;
  accepted = 0;
  readonly refused: Record<RefusalReason, number> = { limit: 0, 'total-limit': 0, 'allow-list': 0 };
  bound: string[] = [];
  /** This listener created the socket file (only then may it remove it). */
  #ownsSocketFile = false;

  constructor(
    readonly spec: ListenerSpec,
    readonly accept: AcceptFn,
    readonly total: ConnectionCount,
    readonly log: Logger,
  ) {
    this.#allow = spec.allow && spec.allow.length > 0 ? parseCidrs(spec.allow) : null;
    this.rateLimit = spec.rateLimit ? new ListenerRateLimit(spec.name, spec.rateLimit) : null;
  }

  /**
   * Hot reload of the limits that need no rebind. They apply to connections
   * accepted from now on; open connections keep the rate bucket they have.
   */
  update(next: Pick<ListenerSpec, 'maxConnections' | 'allow' | 'rateLimit'>): void {
    this.spec.maxConnections = next.maxConnections;
    this.spec.allow = next.allow;
    this.#allow = next.allow && next.allow.length > 0 ? parseCidrs(next.allow) : null;
    this.spec.rateLimit = next.rateLimit;
    if (!next.rateLimit) this.rateLimit = null;
    else if (this.rateLimit) this.rateLimit.spec = next.rateLimit;
    else this.rateLimit = new ListenerRateLimit(this.name, next.rateLimit);
  }

  get name(): string {
    return this.spec.name;
  }

  get refusedTotal(): number {
    return this.refused.limit + this.refused['total-limit'] + this.refused['allow-list'];
  }

  async listen(): Promise<void> {
    // Also used to take the addresses back after stopAccepting (a failed hot reload).
    this.bound = [];
    this.#servers.length = 0;
    if (this.spec.tcp) {
      const { host, port } = this.spec.tcp;
      const server = this.#server(false);
      await listening(server, () => server.listen({ host, port }));
      const addr = server.address() as net.AddressInfo;
      this.bound.push(`tcp://${addr.address}:${addr.port}`);
    }
    if (this.spec.unix) {
      const { path, mode } = this.spec.unix;
      await removeStaleSocket(path);
      const server = this.#server(true);
      // The socket file is created by bind() with 0777 & ~umask: set the umask
      // so it never exists with a wider mode, even for a moment.
      await listening(server, () => {
        const previous = process.umask(~mode & 0o777);
        try {
          server.listen(path);
        } finally {
          process.umask(previous);
        }
      });
      this.#ownsSocketFile = true;
      chmodSync(path, mode);
      this.bound.push(`unix://${path}`);
    }
  }

  /** Re-binds after stopAccepting (a hot reload that failed part-way gives the addresses back). */
  relisten(): Promise<void> {
    return this.listen();
  }

  /** Hot reload of the unix socket file mode. */
  chmod(mode: number): void {
    if (!this.spec.unix) return;
    this.spec.unix.mode = mode;
    if (isSocket(this.spec.unix.path)) chmodSync(this.spec.unix.path, mode);
  }

  /** Port actually bound on TCP (useful when configured as 0). */
  get tcpPort(): number | undefined {
    for (const s of this.#servers) {
      const a = s.address();
      if (a && typeof a === 'object') return a.port;
    }
    return undefined;
  }

  #server(unix: boolean): net.Server {
    const server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket, unix));
    server.on('error', (err) => this.log.error({ err, listener: this.name }, 'listener error'));
    this.#servers.push(server);
    return server;
  }

  #refuse(socket: net.Socket, reason: RefusalReason): void {
    this.refused[reason]++;
    // A connection flood must not become a log flood (the counts are in metrics).
    repeatLimit.log('connection refused', (suppressed) => this.log.warn({ listener: this.name, reason, refused: this.refused, suppressed }, 'connection refused'));
    socket.destroy();
  }

  #accept(socket: net.Socket, unix: boolean): void {
    if (!unix && this.#allow && !isAllowed(this.#allow, socket.remoteAddress ?? '')) return this.#refuse(socket, 'allow-list');
    if (this.connections.size >= this.spec.maxConnections) return this.#refuse(socket, 'limit');
    if (this.total.open >= this.total.max) return this.#refuse(socket, 'total-limit');
    this.accepted++;
    this.total.open++;
    const conn = new Connection(socket, this.name, unix, this.#closed);
    this.connections.add(conn);
    conn.session = this.accept(conn);
    socket.on('data', onSocketData);
    socket.on('error', ignoreSocketError);
  }

  /** One function per listener (not per connection), called by each of its connections when it closes. */
  readonly #closed = (conn: Connection): void => {
    this.total.open--;
    this.connections.delete(conn);
  };

  /**
   * Stops accepting; existing connections stay open. (server.close's own
   * callback waits for every connection to end, so it is not awaited here.)
   */
  async stopAccepting(): Promise<void> {
    for (const s of this.#servers) if (s.listening) s.close();
    // Only the socket file this listener created: never another daemon's, never whatever else sits at the path.
    if (this.spec.unix && this.#ownsSocketFile && isSocket(this.spec.unix.path)) {
      this.#ownsSocketFile = false;
      try {
        unlinkSync(this.spec.unix.path);
      } catch {
        /* already gone */
      }
    }
  }

  closeConnections(): void {
    for (const c of this.connections) c.end();
  }
}

// Shared by every accepted socket (`this` is the socket): no closures per connection.
function onSocketData(this: net.Socket, chunk: Buffer): void {
  const conn = connectionOf(this);
  conn.bytesIn += chunk.length;
  // Ending (Connection.end): read to see the client's FIN, serve nothing.
  if (conn.closingSince !== 0) return;
  conn.session!.onData(chunk);
}

function ignoreSocketError(): void {
  /* a reset or broken pipe: 'close' follows; nothing to report per connection */
}

function listening(server: net.Server, start: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    start();
  });
}

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

/**
 * A socket file left by a dead process is removed; one that still answers
 * is in use; anything that is not a socket is never removed.
 */
async function removeStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a unix socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`unix socket ${path} is in use by another process`);
  unlinkSync(path);
}
