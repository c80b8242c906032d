import { isDeepStrictEqual } from 'node:util';
import type { FeatureContext } from '../../runtime/feature/api.ts';
import type { ModbusConfig } from './config.ts';
import type { ModbusSections } from './sections.ts';

type StaticDevice = ModbusConfig['devices'][number];

/**
 * Configures the devices of the `modbus.devices` config section at start-up,
 * so they are polled with no gateway connected. They go through the router
 * like any `modbus.configure`, so they are pinned like gateway devices. A
 * config reload adds, replaces and removes them; a restarted modbus actor or
 * worker gets them again.
 */
export async function startStaticDevices(ctx: FeatureContext<ModbusSections>): Promise<void> {
  const configure = async (devices: readonly StaticDevice[]): Promise<void> => {
    for (const device of devices) await ctx.call('modbus.declare', { device });
  };
  await configure(ctx.config.modbus.devices);
  ctx.onReload(async (next, prev) => {
    const before = new Map(prev.modbus.devices.map((d) => [d.name, d]));
    const after = new Map(next.modbus.devices.map((d) => [d.name, d]));
    for (const name of before.keys()) {
      if (!after.has(name)) await ctx.call('modbus.undeclare', { device: name });
    }
    await configure([...after.values()].filter((d) => !isDeepStrictEqual(before.get(d.name), d)));
  });
  const again = (): void => {
    configure(ctx.config.modbus.devices).catch((err: unknown) =>
      ctx.log.error({ err: (err as Error).message }, 'could not configure the static Modbus devices on the restarted actor'),
    );
  };
  ctx.events.on('actor-started', (host) => {
    if (host.name === 'modbus') again();
  });
  ctx.events.on('worker-ready', (actor, _slot, restarted) => {
    if (actor === 'modbus' && restarted) again();
  });
}
