import net from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import type { Logger } from 'pino';
import { Connection, type ProtocolSession } from './connection.ts';
import { type CidrList, parseCidrs, isAllowed } from './cidr.ts';
import { ListenerRateLimit, type RateLimitSpec } from '../resilience/rate-limit.ts';

export interface ListenerSpec {
  name: string;
  tcp?: { host: string; port: number } | undefined;
  unix?: { path: string; mode: number } | undefined;
  maxConnections: number;
  allow?: string[] | undefined;
  /** Per-connection request rate limit; sessions apply it through `listener.rateLimit`. */
  rateLimit?: RateLimitSpec | undefined;
  /** Called when a connection is refused (limit or allow-list), for metrics. */
  onRefused?: (reason: 'limit' | 'allow-list') => void;
}

export type SessionFactory = (conn: Connection) => ProtocolSession;

/** Binds one protocol on TCP and/or a unix socket; owns the connections. */
export class Listener {
  readonly connections = new Set<Connection>();
  readonly #servers: net.Server[] = [];
  #allow: CidrList | null;
  /** Null when unlimited. Sessions take a bucket per connection (rateLimit.forConnection()). */
  rateLimit: ListenerRateLimit | null;
  accepted = 0;
  refused = 0;
  bound: string[] = [];

  constructor(
    readonly spec: ListenerSpec,
    readonly factory: SessionFactory,
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
    const allow = next.allow && next.allow.length > 0 ? parseCidrs(next.allow) : null;
    this.spec.maxConnections = next.maxConnections;
    this.spec.allow = next.allow;
    this.#allow = allow;
    this.spec.rateLimit = next.rateLimit;
    if (!next.rateLimit) this.rateLimit = null;
    else if (this.rateLimit) this.rateLimit.spec = next.rateLimit;
    else this.rateLimit = new ListenerRateLimit(this.name, next.rateLimit);
  }

  get name(): string {
    return this.spec.name;
  }

  async listen(): Promise<void> {
    // Also used to take the addresses back after stopAccepting (a failed hot reload).
    this.bound = [];
    this.#servers.length = 0;
    if (this.spec.tcp) {
      const { host, port } = this.spec.tcp;
      const server = this.#server(true);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as net.AddressInfo;
      this.bound.push(`tcp://${addr.address}:${addr.port}`);
    }
    if (this.spec.unix) {
      const { path, mode } = this.spec.unix;
      await removeStaleSocket(path);
      const server = this.#server(false);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
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
    if (existsSync(this.spec.unix.path)) chmodSync(this.spec.unix.path, mode);
  }

  /** Port actually bound on TCP (useful when configured as 0). */
  get tcpPort(): number | undefined {
    for (const s of this.#servers) {
      const a = s.address();
      if (a && typeof a === 'object') return a.port;
    }
    return undefined;
  }

  #server(tcp: boolean): net.Server {
    const server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket, tcp));
    server.on('error', (err) => this.log.error({ err, listener: this.name }, 'listener error'));
    this.#servers.push(server);
    return server;
  }

  #accept(socket: net.Socket, tcp: boolean): void {
    if (tcp && this.#allow && !isAllowed(this.#allow, socket.remoteAddress ?? '')) {
      this.refused++;
      this.spec.onRefused?.('allow-list');
      this.log.warn({ listener: this.name, remote: socket.remoteAddress }, 'connection refused by allow-list');
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.spec.maxConnections) {
      this.refused++;
      this.spec.onRefused?.('limit');
      this.log.warn({ listener: this.name, limit: this.spec.maxConnections }, 'connection refused: limit reached');
      socket.destroy();
      return;
    }
    this.accepted++;
    const conn = new Connection(socket, this.name);
    this.connections.add(conn);
    const session = this.factory(conn);
    conn.session = session;
    socket.on('data', (chunk: Buffer) => {
      conn.bytesIn += chunk.length;
      session.onData(chunk);
    });
    socket.on('error', (err) => this.log.debug({ err: err.message, listener: this.name, conn: conn.id }, 'socket error'));
    socket.on('close', () => this.connections.delete(conn));
  }

  /**
   * Stops accepting; existing connections stay open. (server.close's own
   * callback waits for every connection to end, so it is not awaited here.)
   */
  async stopAccepting(): Promise<void> {
    for (const s of this.#servers) if (s.listening) s.close();
    if (this.spec.unix && existsSync(this.spec.unix.path)) {
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

/** A socket file left by a dead process is removed; one that still answers is in use. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
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
