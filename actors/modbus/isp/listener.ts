import { z } from 'zod';
import { OutriggerError } from '../../../runtime/errors/error.ts';
import type { FeatureContext } from '../../../runtime/feature/api.ts';
import { listenerCommon, tcpSchema } from '../../../runtime/config/schema.ts';
import type { ModbusSections } from '../sections.ts';
import type { DeviceBook } from '../device-book.ts';
import { IspHub, type IspHubOptions } from './hub.ts';
import { type IspDataLimits, IspSession } from './session.ts';

const MiB = 1024 * 1024;
/** Unsent bytes a gateway socket may hold before DATA waits in the session queue. */
export const ISP_SOCKET_HIGH_WATER_BYTES = 1 * MiB;
/** DATA a slow gateway may have waiting before the oldest is dropped (about 50k points). */
export const ISP_MAX_QUEUED_DATA_BYTES = 8 * MiB;

/** `listeners.isp`: the ISP gateway listener (TCP, default 127.0.0.1:50052, env ISP_PORT). */
export const ispListenerSchema = z
  .strictObject({
    ...listenerCommon,
    tcp: tcpSchema.optional(),
    maxLineBytes: z.number().int().positive().default(1 * MiB),
    heartbeatMs: z.number().int().positive().default(15_000),
    /** A gateway silent for this many heartbeat intervals is dropped. */
    missedHeartbeats: z.number().int().positive().default(3),
    /** Unsent bytes a gateway socket may hold before DATA waits in the gateway's queue. */
    socketHighWaterBytes: z.number().int().positive().default(ISP_SOCKET_HIGH_WATER_BYTES),
    /** DATA bytes a slow gateway may have waiting before the oldest is dropped. */
    maxQueuedDataBytes: z.number().int().positive().default(ISP_MAX_QUEUED_DATA_BYTES),
    /** Devices one gateway may own (configure with CONFIG) at once. */
    maxDevicesPerGateway: z.number().int().positive().default(64),
    /** Devices all gateways together may own at once. */
    maxDevices: z.number().int().positive().default(1024),
  })
  .prefault({ tcp: { port: 50052 } });

type IspSection = z.output<typeof ispListenerSchema>;

function hubOptions(c: IspSection): IspHubOptions {
  return { heartbeatMs: c.heartbeatMs, missedHeartbeats: c.missedHeartbeats, maxDevicesPerGateway: c.maxDevicesPerGateway, maxDevices: c.maxDevices };
}

/**
 * The ISP listener: gateways configure Modbus devices with CONFIG, ask
 * STATUS, and receive the DATA of every device. Also serves `isp.stats`
 * (the counters, admin-class) and the `isp` status section.
 */
export function startIspListener(ctx: FeatureContext<ModbusSections>, book: DeviceBook): void {
  const cfg = ctx.config.listeners.isp;
  const log = ctx.log.child({ listener: 'isp' });
  const hub = new IspHub(ctx.call, hubOptions(cfg), log, book);
  // Read on each connection: a reload's new values apply to gateways that connect from then on.
  const data = (): IspDataLimits => ({
    socketHighWaterBytes: ctx.config.listeners.isp.socketHighWaterBytes,
    maxQueuedDataBytes: ctx.config.listeners.isp.maxQueuedDataBytes,
  });
  const listener = ctx.listen('isp', (conn, env) => {
    const session = new IspSession(conn, env, hub, data());
    hub.add(session);
    log.debug({ gateway: session.name, remote: conn.remote }, 'ISP gateway connected');
    return session;
  });
  if (!listener) return;
  hub.attach(ctx.events);
  ctx.onStop(() => hub.detach());
  const stats = (): object => ({ ...hub.snapshotCounters(), devices: hub.devices, restored: book.restored });
  ctx.method('isp.stats', stats, { policy: 'admin', params: 'none' });
  ctx.status('isp', stats);
  ctx.onReload((next) => {
    const n = next.listeners.isp;
    hub.setHeartbeat(hubOptions(n));
    if (n.enabled !== cfg.enabled || JSON.stringify(n.tcp) !== JSON.stringify(cfg.tcp)) {
      throw new OutriggerError('RELOAD_REJECTED', 'listeners.isp: address and enabled changes need a restart; the ISP listener keeps its address');
    }
  });
}
