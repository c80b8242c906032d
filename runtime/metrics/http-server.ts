/*
 * The operator's HTTP endpoint: GET /metrics (Prometheus text), /healthz
 * (live) and /readyz (ready). Bound to loopback unless configured, optional
 * CIDR allow-list, no request bodies read, short timeouts: nothing a scraper
 * or probe sends can make it hold memory.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type CidrList, isAllowed, parseCidrs } from '../transport/cidr.ts';
import type { Readiness } from './probes.ts';
import { CONTENT_TYPE } from './registry.ts';

export interface OpsHttpOptions {
  host: string;
  port: number;
  allow: string[];
  metrics: () => Promise<string>;
  readiness: () => Readiness;
  /** Extra fields for /healthz (uptime, pid). */
  live: () => Record<string, unknown>;
  log: Logger;
}

export class OpsHttpServer {
  readonly #server: http.Server;
  readonly #allow: CidrList | null;
  scrapes = 0;

  constructor(readonly o: OpsHttpOptions) {
    this.#allow = o.allow.length > 0 ? parseCidrs(o.allow) : null;
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    this.#server.headersTimeout = 5000;
    this.#server.requestTimeout = 10_000;
    this.#server.keepAliveTimeout = 5000;
    this.#server.maxHeadersCount = 50;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.o.host, port: this.o.port }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    const a = this.#server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.#allow && !isAllowed(this.#allow, req.socket.remoteAddress ?? '')) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    try {
      switch (path) {
        case '/metrics': {
          this.scrapes++;
          const body = await this.o.metrics();
          res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : body);
          return;
        }
        case '/healthz':
        case '/livez':
          json(res, 200, { status: 'ok', ...this.o.live() });
          return;
        case '/readyz': {
          const r = this.o.readiness();
          json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', reasons: r.reasons });
          return;
        }
        default:
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
      }
    } catch (err) {
      this.o.log.error({ err }, 'ops http handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
}
