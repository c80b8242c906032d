// The devices one worker owns (pinned by device name) and the actor's methods.
import type { Logger } from 'pino';
import { OutriggerError } from '../../runtime/errors/error.ts';
import type { DevicePolicy } from './device-policy.ts';
import type { DeviceEvent } from './events.ts';
import type { PollMetrics } from './metrics.ts';
import type { DataPublisher } from './publisher.ts';
import { DeviceLink } from './link.ts';
import { DevicePoller, decodeItem, readBlock } from './poller.ts';
import { planReads } from './planner.ts';
import { type DeviceSpec, type RegisterSpec, type SpecWarning, parseDeviceSpec, parseRegisterSpec } from './spec.ts';
import type { RawValue } from './values.ts';
import { performWrite } from './write.ts';

interface Device {
  readonly spec: DeviceSpec;
  readonly link: DeviceLink;
  readonly poller: DevicePoller;
  readonly isStatic: boolean;
  readonly configuredAt: number;
}

type Params = Record<string, unknown>;

export function asParams(raw: unknown): Params {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new OutriggerError('INVALID_PARAMS', 'params must be an object');
  return raw as Params;
}

export function deviceName(p: Params, field = 'device'): string {
  const v = p[field];
  if (typeof v !== 'string' || v === '') throw new OutriggerError('INVALID_PARAMS', `params.${field} must be a non-empty string (the device name)`, { field });
  return v;
}

function iso(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

/** Status values are plain JSON: 64-bit integers past 2^53 become strings. */
function jsonValue(v: RawValue | null): unknown {
  return typeof v === 'bigint' ? v.toString() : typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

export interface ConfigureResult {
  device: string;
  registers: number;
  reads: number;
  replaced: boolean;
  /** Fields accepted but read differently from what they say (a float32 given quantity 1 is read as 2 registers). */
  warnings?: SpecWarning[];
}

export class DeviceRegistry {
  readonly #devices = new Map<string, Device>();

  constructor(
    readonly publisher: DataPublisher,
    readonly log: Logger,
    readonly announce: (event: Omit<DeviceEvent, 'worker'>) => void,
    readonly metrics: PollMetrics | null = null,
    /** Where devices configured at run time may point (null: anywhere, for tests of the poller alone). */
    readonly policy: DevicePolicy | null = null,
  ) {}

  /** A device configured at run time (ISP CONFIG, modbus.configure): its address must be on the allow-list. */
  configure(raw: unknown): ConfigureResult {
    return this.#configure(raw, false);
  }

  /** A device declared in the config file (modbus.declare, admin-class): not bound by the allow-list, and nobody else may replace it. */
  declare(raw: unknown): ConfigureResult {
    return this.#configure(raw, true);
  }

  #configure(raw: unknown, isStatic: boolean): ConfigureResult {
    const p = asParams(raw);
    const spec = parseDeviceSpec(p.device);
    if (!spec.named) throw new OutriggerError('MODBUS_INVALID_DEVICE', 'name: a configured device needs a name', { field: 'name' });
    if (!isStatic) this.policy?.check(spec);
    const old = this.#devices.get(spec.name);
    if (old?.isStatic && !isStatic) {
      throw new OutriggerError('MODBUS_DEVICE_STATIC', `device '${spec.name}' is defined in the config file; edit it there`, { device: spec.name });
    }
    if (old) this.#stop(old);
    const log = this.log.child({ device: spec.name });
    const link = new DeviceLink(spec, log);
    const observe = this.metrics ? (o: Parameters<PollMetrics['cycle']>[1]) => this.metrics!.cycle(spec.name, o) : undefined;
    const poller = new DevicePoller(spec, link, (name, points, ts) => this.publisher.add(name, points, ts), log, observe);
    const device: Device = { spec, link, poller, isStatic, configuredAt: Date.now() };
    this.#devices.set(spec.name, device);
    // Nothing to poll means nothing to connect for (a gateway may send "registers": [], docs/isp.md).
    if (spec.registers.length > 0) link.start();
    poller.start();
    this.announce({ device: spec.name, event: 'configured', config: p.device as Record<string, unknown>, static: isStatic });
    this.log.info({ device: spec.name, address: spec.address, registers: spec.registers.length, reads: poller.blocks.length, replaced: !!old }, 'modbus device configured');
    const result = { device: spec.name, registers: spec.registers.length, reads: poller.blocks.length, replaced: !!old };
    if (spec.warnings.length === 0) return result;
    this.log.warn({ device: spec.name, warnings: spec.warnings.map((w) => w.message) }, 'modbus device configured with fields read differently from what they say');
    return { ...result, warnings: [...spec.warnings] };
  }

  /** Removes a device configured at run time. */
  remove(raw: unknown): { device: string; removed: boolean } {
    return this.#remove(raw, false);
  }

  /** Removes a device the config file no longer declares (modbus.undeclare, admin-class). */
  undeclare(raw: unknown): { device: string; removed: boolean } {
    return this.#remove(raw, true);
  }

  #remove(raw: unknown, isStatic: boolean): { device: string; removed: boolean } {
    const p = asParams(raw);
    const name = deviceName(p);
    const d = this.#devices.get(name);
    if (!d) return { device: name, removed: false };
    if (d.isStatic && !isStatic) {
      throw new OutriggerError('MODBUS_DEVICE_STATIC', `device '${name}' is defined in the config file; edit it there`, { device: name });
    }
    this.#stop(d);
    this.#devices.delete(name);
    this.metrics?.removed(name);
    this.announce({ device: name, event: 'removed' });
    return { device: name, removed: true };
  }

  status(raw: unknown): { devices: Record<string, unknown>[] } {
    const p = raw === undefined || raw === null ? {} : asParams(raw);
    const withValues = p.values !== false;
    const list = p.device === undefined ? [...this.#devices.values()] : [this.#get(deviceName(p))];
    return { devices: list.map((d) => this.#status(d, withValues)) };
  }

  #status(d: Device, withValues: boolean): Record<string, unknown> {
    const s = d.poller.stats;
    const out: Record<string, unknown> = {
      name: d.spec.name,
      mode: d.spec.mode,
      address: d.spec.address,
      static: d.isStatic,
      state: d.spec.registers.length === 0 ? 'idle' : d.link.state,
      connected_since: d.link.state === 'connected' ? iso(d.link.connectedAt) : null,
      last_error: d.link.state === 'connected' ? (s.lastError ? `${s.lastError.code}: ${s.lastError.message}` : null) : (d.link.lastError ?? null),
      interval_ms: d.spec.intervalMs,
      last_poll: iso(s.lastPollAt),
      last_success: iso(s.lastSuccessAt),
      last_cycle_ms: s.lastCycleMs,
      circuit: d.link.breaker?.state ?? 'none',
      registers: d.spec.registers.length,
      reads_per_poll: d.poller.blocks.length,
      counters: {
        polls: s.polls,
        reads: s.reads,
        read_errors: s.readErrors,
        exceptions: s.exceptions,
        timeouts: s.timeouts,
        overruns: s.overruns,
        points_out: s.pointsOut,
        connects: d.link.connects,
        disconnects: d.link.disconnects,
      },
    };
    if (withValues) {
      const values: Record<string, unknown> = {};
      d.spec.registers.forEach((r, i) => {
        values[r.key] = { value: jsonValue(d.poller.values[i]!), quality: d.poller.qualities[i], timestamp: Number(d.poller.times[i]) };
      });
      out.values = values;
    }
    return out;
  }

  /** On-demand read of configured keys (default: all) or of one ad-hoc `register`, bypassing the poll cycle. */
  async read(raw: unknown): Promise<{ device: string; points: Record<string, unknown>[] }> {
    const p = asParams(raw);
    const d = this.#get(deviceName(p));
    let regs: RegisterSpec[];
    if (p.register !== undefined) regs = [parseRegisterSpec(p.register, d.spec.defaults, 'register')];
    else if (p.keys !== undefined) {
      if (!Array.isArray(p.keys) || p.keys.some((k) => typeof k !== 'string')) throw new OutriggerError('INVALID_PARAMS', 'params.keys must be an array of strings', { field: 'keys' });
      regs = (p.keys as string[]).map((k) => this.#register(d, k));
    } else regs = [...d.spec.registers];
    const points = new Array<Record<string, unknown>>(regs.length);
    for (const block of planReads(regs, { maxGap: d.spec.maxGap, maxLength: d.spec.maxLength })) {
      const data = await d.link.request((c) => readBlock(c, block));
      const ts = Date.now() * 1e6;
      for (const it of block.items) {
        const r = regs[it.index]!;
        points[it.index] = { key: r.key, value: jsonValue(decodeItem(r, data, it.offset)), type: r.type, quality: 1, timestamp: ts };
      }
    }
    // In the order asked for, not the order the merged reads ran in.
    return { device: d.spec.name, points };
  }

  async write(raw: unknown): Promise<Record<string, unknown>> {
    const p = asParams(raw);
    const d = this.#get(deviceName(p));
    const reg = typeof p.key === 'string' ? this.#register(d, p.key) : undefined;
    return performWrite(d.link, d.spec, reg, p);
  }

  async closeAll(): Promise<void> {
    const all = [...this.#devices.values()];
    this.#devices.clear();
    await Promise.all(all.map((d) => this.#stop(d)));
  }

  #get(name: string): Device {
    const d = this.#devices.get(name);
    if (!d) throw new OutriggerError('MODBUS_UNKNOWN_DEVICE', `no Modbus device named '${name}'`, { device: name });
    return d;
  }

  #register(d: Device, key: string): RegisterSpec {
    const r = d.spec.registers.find((x) => x.key === key);
    if (!r) throw new OutriggerError('MODBUS_UNKNOWN_KEY', `device '${d.spec.name}' has no register '${key}'`, { device: d.spec.name, key });
    return r;
  }

  #stop(d: Device): Promise<void> {
    d.poller.stop();
    return d.link.close();
  }
}
