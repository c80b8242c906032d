import type { Daemon, ListenerPlugin } from '../daemon/daemon.ts';
import { toRateLimitSpec } from '../resilience/rate-limit.ts';
import { Listener } from '../transport/listener.ts';
import { GoridgeSession } from './goridge.ts';
import { GoridgeMethodTable } from './goridge-methods.ts';

/**
 * The Goridge v3 RPC listener (RoadRunner's RPC wire format, PHP's
 * spiral/goridge and Go's goridge ClientCodec) on `listeners.goridge`:
 * TCP (default 127.0.0.1:6001, env PORT) and/or a unix socket (env
 * GORIDGE_SOCKET). Every router method is callable by its Goridge name.
 */
export const goridgePlugin: ListenerPlugin = (daemon: Daemon) => {
  const c = daemon.config;
  const g = c.listeners.goridge;
  if (!g.enabled || (!g.tcp && !g.unix)) return [];
  const methods = new GoridgeMethodTable(() => daemon.router.methods());
  const limits = {
    maxFrameBytes: g.maxFrameBytes,
    maxInflightPerConnection: c.requests.maxInflightPerConnection,
    overflow: c.requests.overflow,
  };
  const log = daemon.log.child({ listener: 'goridge' });
  const listener: Listener = new Listener(
    {
      name: 'goridge',
      tcp: g.tcp,
      unix: g.unix,
      maxConnections: g.maxConnections,
      allow: g.allow,
      rateLimit: toRateLimitSpec(g.rateLimit),
    },
    (conn) => new GoridgeSession(conn, daemon.router, methods, { ...limits, rateLimit: listener.rateLimit }, log),
    daemon.log,
  );
  return [listener];
};
