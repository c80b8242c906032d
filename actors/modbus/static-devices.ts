import { isDeepStrictEqual } from 'node:util';
import type { ActorRuntime } from '../../runtime/actor/runtime.ts';
import type { OutriggerConfig } from '../../runtime/config/schema.ts';
import type { Daemon, ListenerPlugin } from '../../runtime/daemon/daemon.ts';
import { callLocal } from '../../runtime/router/local-call.ts';

type StaticDevice = OutriggerConfig['modbus']['devices'][number];

async function configure(daemon: Daemon, devices: readonly StaticDevice[]): Promise<void> {
  for (const device of devices) await callLocal(daemon.router, 'modbus.configure', { device, static: true });
}

/**
 * Configures the devices of the `modbus.devices` config section at start-up,
 * so they are polled with no gateway connected. They go through the router
 * like any `modbus.configure`, so they are pinned like gateway devices.
 * A config reload adds, replaces and removes them; a restarted modbus actor
 * (e.g. new `actors.modbus.workers`) gets them again.
 */
export const modbusStaticDevicesPlugin: ListenerPlugin = async (daemon) => {
  await configure(daemon, daemon.config.modbus.devices);
  daemon.onReload(async (next, prev) => {
    const before = new Map(prev.modbus.devices.map((d) => [d.name, d]));
    const after = new Map(next.modbus.devices.map((d) => [d.name, d]));
    for (const name of before.keys()) {
      if (!after.has(name)) await callLocal(daemon.router, 'modbus.remove', { device: name, static: true });
    }
    await configure(daemon, [...after.values()].filter((d) => !isDeepStrictEqual(before.get(d.name), d)));
  });
  daemon.events.on('actor-started', (host: ActorRuntime) => {
    if (host.name !== 'modbus') return;
    configure(daemon, daemon.config.modbus.devices).catch((err: unknown) =>
      daemon.log.error({ err: (err as Error).message }, 'could not configure the static Modbus devices on the restarted actor'),
    );
  });
};
