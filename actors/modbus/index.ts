import { defineActor } from '../../runtime/actor/api.ts';
import { DEFAULT_DEVICE_ADDRESSES, type DevicePolicyOptions } from './device-policy.ts';
import { DATA_TOPIC, DEVICE_TOPIC } from './events.ts';

type Method = 'configure' | 'remove' | 'status' | 'read' | 'write' | 'declare' | 'undeclare';

/**
 * Requests for one device always reach the worker that owns its connection.
 * A missing or bad name routes anywhere: the handler then refuses it with a
 * precise error (MODBUS_INVALID_DEVICE naming `name`, or INVALID_PARAMS).
 */
function pinKey(method: Method, params: unknown): string {
  const p = (params ?? {}) as Record<string, unknown>;
  const name = method === 'configure' || method === 'declare' ? (p.device as Record<string, unknown> | undefined)?.name : p.device;
  return typeof name === 'string' ? name : '';
}

/**
 * Modbus poller: one pinned state per device (its connection, request queue,
 * poll timer and latest values). Polled points are published on
 * `modbus.data` as ISP DATA lines; the ISP listener broadcasts them.
 *
 *   modbus.configure {device: {name, mode, address, ..., registers: [...]}, static?}
 *   modbus.remove    {device}
 *   modbus.status    {device?, values?}
 *   modbus.read      {device, keys?: [...]} | {device, register: {address, type, function, ...}}
 *   modbus.write     {device, key, value} | {device, function: 5|6|15|16, address, value|values, type?, device_id?}
 *   modbus.declare   {device}   a device of the config file (admin: the feature calls it)
 *   modbus.undeclare {device}
 */
// Named, then exported: TypeScript 5.9 leaves the .ts specifier of a dynamic
// import inside an `export default <expression>` unrewritten in the build.
const actor = defineActor({
  name: 'modbus',
  kind: 'pinned',
  methods: ['configure', 'remove', 'status', 'read', 'write', 'declare', 'undeclare'],
  // Devices of the config file: the feature declares them from the main thread; only the unix socket's callers could.
  policy: { configure: 'configure', remove: 'configure', status: 'admin', declare: 'admin', undeclare: 'admin' },
  pinKey,
  create: async (ctx) => {
    // Loaded in the worker only: the main thread imports this file for the method list.
    const { DeviceRegistry } = await import('./registry.ts');
    const { DataPublisher } = await import('./publisher.ts');
    const { modbusMetrics } = await import('./metrics.ts');
    const { DevicePolicy } = await import('./device-policy.ts');
    const publisher = new DataPublisher((e) => ctx.publish(DATA_TOPIC, e));
    const metrics = modbusMetrics(ctx);
    const policy = new DevicePolicy((ctx.options as DevicePolicyOptions | undefined) ?? { allow: DEFAULT_DEVICE_ADDRESSES, serialPorts: [] });
    const registry = new DeviceRegistry(publisher, ctx.log, (e) => ctx.publish(DEVICE_TOPIC, { ...e, worker: ctx.workerIndex }), metrics, policy);
    return {
      handlers: {
        configure: (p) => registry.configure(p),
        remove: (p) => registry.remove(p),
        status: (p) => registry.status(p),
        read: (p) => registry.read(p),
        write: (p) => registry.write(p),
        declare: (p) => registry.declare(p),
        undeclare: (p) => registry.undeclare(p),
      },
      close: async () => {
        await registry.closeAll();
        publisher.flush();
        await metrics.close();
      },
    };
  },
});

export default actor;
