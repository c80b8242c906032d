import type { IpcClient } from '../../clients/ts/ipc-client.ts';
import { IspClient, type IspPoint } from '../../clients/ts/isp-client.ts';
import type { IspDataLimits } from '../../actors/modbus/isp/session.ts';
import type { ConfigInput } from '../../index.ts';
import { type TestDaemon, startTestDaemon, tcpPortOf } from './daemon.ts';

export interface IspTestDaemon extends TestDaemon {
  ispPort: number;
  gateway(): Promise<IspClient>;
  ipc: IpcClient;
}

/** Modbus peers in tests listen on loopback at ephemeral ports, not on 502. */
export const LOOPBACK_ANY_PORT = [{ hosts: ['127.0.0.0/8', '::1', 'localhost'], ports: ['1-65535'] }];

/** A test daemon with the ISP listener on an ephemeral port; devices may point at any loopback port unless `modbus.allow` says otherwise. */
export async function startIspDaemon(overrides: ConfigInput = {}, limits: Partial<IspDataLimits> = {}): Promise<IspTestDaemon> {
  const { listeners, modbus, ...rest } = overrides as ConfigInput & { modbus?: Record<string, unknown> };
  const td = await startTestDaemon({
    ...rest,
    modbus: { allow: LOOPBACK_ANY_PORT, ...modbus },
    listeners: { ...listeners, isp: { tcp: { host: '127.0.0.1', port: 0 }, ...limits, ...listeners?.isp } },
  });
  const ispPort = tcpPortOf(td, 'isp');
  const gateways: IspClient[] = [];
  const ipc = td.client();
  return {
    ...td,
    ispPort,
    ipc,
    async gateway() {
      const g = await IspClient.connect({ port: ispPort });
      gateways.push(g);
      return g;
    },
    async stop() {
      for (const g of gateways) g.close();
      await td.stop();
    },
  };
}

/**
 * Resolves with one point per key of `device` from DATA that arrives from now
 * on, once every key has a point that `accept`s (default: quality 1).
 */
export function pointsOf(
  gw: IspClient,
  device: string,
  keys: readonly string[],
  accept: (p: IspPoint) => boolean = (p) => p.quality === 1,
  timeoutMs = 10_000,
): Promise<Map<string, IspPoint>> {
  return new Promise((resolve, reject) => {
    const got = new Map<string, IspPoint>();
    const timer = setTimeout(() => {
      unsubscribe();
      const missing = keys.filter((k) => !got.has(k));
      reject(new Error(`device '${device}': no accepted point for ${missing.join(', ')} within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = gw.subscribe((points) => {
      for (const p of points) if (p.source === device && accept(p)) got.set(p.key, p);
      if (keys.every((k) => got.has(k))) {
        clearTimeout(timer);
        unsubscribe();
        resolve(got);
      }
    });
  });
}
