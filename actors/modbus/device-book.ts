// The main thread's record of every Modbus device the actor holds, kept from
// the actor's own announcements. A worker's devices live and die with it: a
// replaced worker (crash, hang) or a new actor (reload) starts with none, so
// the book configures the run-time devices (ISP CONFIG, modbus.configure)
// again. Devices of the config file are configured again by
// static-devices.ts.
import { DEVICE_TOPIC, type DeviceEvent } from './events.ts';
import type { FeatureContext } from '../../runtime/feature/api.ts';

const MODBUS_ACTOR = 'modbus';

interface Entry {
  readonly config: Record<string, unknown>;
  readonly worker: number;
  readonly static: boolean;
}

export class DeviceBook {
  readonly #entries = new Map<string, Entry>();
  readonly #removed = new Set<(device: string) => void>();
  /** Devices configured again after a worker or actor restart (status and tests). */
  restored = 0;

  constructor(readonly ctx: Pick<FeatureContext, 'events' | 'call' | 'log'>) {
    ctx.events.on('publish', (actor, topic, data) => {
      if (actor !== MODBUS_ACTOR || topic !== DEVICE_TOPIC) return;
      const ev = data as DeviceEvent;
      if (ev.event === 'configured') this.#entries.set(ev.device, { config: ev.config ?? {}, worker: ev.worker, static: ev.static === true });
      else if (this.#entries.delete(ev.device)) for (const fn of this.#removed) fn(ev.device);
    });
    ctx.events.on('actor-started', (host) => {
      if (host.name === MODBUS_ACTOR) this.#restore(() => true);
    });
    ctx.events.on('worker-ready', (actor, slot, restarted) => {
      if (actor === MODBUS_ACTOR && restarted) this.#restore((e) => e.worker === slot);
    });
  }

  get(device: string): { readonly static: boolean } | undefined {
    return this.#entries.get(device);
  }

  has(device: string): boolean {
    return this.#entries.has(device);
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Called when a device is removed (by anyone). */
  onRemoved(fn: (device: string) => void): void {
    this.#removed.add(fn);
  }

  #restore(which: (e: Entry) => boolean): void {
    for (const [name, e] of this.#entries) {
      if (e.static || !which(e)) continue;
      this.restored++;
      this.ctx.call('modbus.configure', { device: e.config }).catch((err: unknown) => {
        // Refused now (say the allow-list changed with a reload): it is gone, and its owner hears so.
        if (this.#entries.get(name) === e) {
          this.#entries.delete(name);
          for (const fn of this.#removed) fn(name);
        }
        this.ctx.log.warn({ device: name, err: (err as Error).message }, 'could not configure a Modbus device again on the restarted modbus actor');
      });
    }
  }
}
