import { OutriggerError } from '../../../runtime/errors/error.ts';
import type { FeatureConfig, FeatureContext } from '../../../runtime/feature/api.ts';
import type { ModbusSections } from '../sections.ts';
import type { DeviceBook } from '../device-book.ts';
import { IspHub, type IspHubOptions } from './hub.ts';
import { type IspDataLimits, IspSession } from './session.ts';

type IspSection = FeatureConfig<ModbusSections>['listeners']['isp'];

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
  // Moving, enabling or disabling the listener needs a restart: a reload says so rather than doing nothing.
  const refuseMove = (n: IspSection): void => {
    if (n.enabled !== cfg.enabled || JSON.stringify(n.tcp) !== JSON.stringify(cfg.tcp) || n.unix?.path !== cfg.unix?.path) {
      throw new OutriggerError('RELOAD_REJECTED', 'listeners.isp: address and enabled changes need a restart; the ISP listener keeps its address');
    }
  };
  if (!listener) {
    ctx.onReload((next) => refuseMove(next.listeners.isp));
    return;
  }
  hub.attach(ctx.events);
  ctx.onStop(() => hub.detach());
  const stats = (): object => ({ ...hub.snapshotCounters(), devices: hub.devices, restored: book.restored });
  ctx.method('isp.stats', stats, { policy: 'admin', params: 'none' });
  ctx.status('isp', stats);
  ctx.onReload((next) => {
    hub.setHeartbeat(hubOptions(next.listeners.isp));
    refuseMove(next.listeners.isp);
  });
}
