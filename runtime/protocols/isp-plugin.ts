import type { ListenerPlugin } from '../daemon/daemon.ts';
import { OutriggerError } from '../errors/error.ts';
import { toRateLimitSpec } from '../resilience/rate-limit.ts';
import { Listener } from '../transport/listener.ts';
import { IspSession } from './isp.ts';
import { IspHub } from './isp-hub.ts';

const MiB = 1024 * 1024;
/** Unsent bytes a gateway socket may hold before DATA waits in the session queue. */
export const ISP_SOCKET_HIGH_WATER_BYTES = 1 * MiB;
/** DATA a slow gateway may have waiting before the oldest is dropped (about 50k points). */
export const ISP_MAX_QUEUED_DATA_BYTES = 8 * MiB;

export interface IspListenerLimits {
  socketHighWaterBytes: number;
  maxQueuedDataBytes: number;
}

/**
 * The ISP listener of seed 001 (TCP, default 127.0.0.1:50052, env ISP_PORT):
 * gateways configure Modbus devices with CONFIG, ask STATUS, and receive the
 * DATA of every device. Also serves `isp.stats` (the counters) over IPC.
 */
export const createIspListenerPlugin = (over: Partial<IspListenerLimits> = {}): ListenerPlugin => (daemon) => {
  const cfg = daemon.config.listeners.isp;
  if (!cfg.enabled || !cfg.tcp) return [];
  const log = daemon.log.child({ listener: 'isp' });
  const hub = new IspHub(daemon.router, { heartbeatMs: cfg.heartbeatMs, missedHeartbeats: cfg.missedHeartbeats }, log);
  hub.attach(daemon.events);
  daemon.onExit(() => hub.detach());
  const stats = (): object => ({ ...hub.snapshotCounters(), devices: [...hub.devices] });
  daemon.router.registerMain('isp.stats', stats);
  daemon.addStatusSection('isp', stats);
  const limits = {
    maxLineBytes: cfg.maxLineBytes,
    socketHighWaterBytes: over.socketHighWaterBytes ?? ISP_SOCKET_HIGH_WATER_BYTES,
    maxQueuedDataBytes: over.maxQueuedDataBytes ?? ISP_MAX_QUEUED_DATA_BYTES,
    maxInflightPerConnection: daemon.config.requests.maxInflightPerConnection,
  };
  const listener: Listener = new Listener(
    { name: 'isp', tcp: cfg.tcp, maxConnections: cfg.maxConnections, allow: cfg.allow, rateLimit: toRateLimitSpec(cfg.rateLimit) },
    (conn): IspSession => {
      const session = new IspSession(conn, hub, { ...limits, rateLimit: listener.rateLimit });
      hub.add(session);
      log.info({ gateway: session.name, remote: conn.remote }, 'ISP gateway connected');
      return session;
    },
    daemon.log,
  );
  daemon.onReload((next) => {
    const n = next.listeners.isp;
    if (n.heartbeatMs !== hub.opts.heartbeatMs || n.missedHeartbeats !== hub.opts.missedHeartbeats) {
      hub.setHeartbeat({ heartbeatMs: n.heartbeatMs, missedHeartbeats: n.missedHeartbeats });
    }
    // These apply to gateways that connect from now on (rate limit buckets are per connection).
    limits.maxLineBytes = n.maxLineBytes;
    listener.update({ maxConnections: n.maxConnections, allow: n.allow, rateLimit: toRateLimitSpec(n.rateLimit) });
    if (n.enabled !== cfg.enabled || JSON.stringify(n.tcp) !== JSON.stringify(cfg.tcp)) {
      throw new OutriggerError('RELOAD_REJECTED', 'listeners.isp: address and enabled changes need a restart; the ISP listener keeps its address');
    }
  });
  return [listener];
};

export const ispListenerPlugin: ListenerPlugin = createIspListenerPlugin();
