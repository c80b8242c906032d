// Polls one device on its interval: merged reads through the device's link,
// split back into points, filtered by report-on-change / deadband, handed to
// `emit` as ready-made ISP point JSON. Hot path: one template string per
// point, no per-point objects.
import type { Logger } from 'pino';
import { Quality, type QualityValue, nowNs } from './isp/codec.ts';
import { encodePoint, pointTemplate, type PointTemplate } from './isp/data-lines.ts';
import type { OutriggerError } from '../../runtime/errors/error.ts';
import type { DeviceLink, ModbusClient } from './link.ts';
import type { CycleOutcome } from './metrics.ts';
import { planReads, type ReadBlock } from './planner.ts';
import type { DeviceSpec, RegisterSpec } from './spec.ts';
import { type RawValue, decodeBit, decodeRegisters, valueJson } from './values.ts';

/** Receives the encoded points of one poll cycle (possibly none). */
export type PointsSink = (device: string, points: string[], tsNs: string) => void;

export interface PollStats {
  polls: number;
  /** Cycles skipped because the previous one was still running. */
  overruns: number;
  reads: number;
  readErrors: number;
  exceptions: number;
  timeouts: number;
  pointsOut: number;
  lastPollAt: number;
  lastSuccessAt: number;
  lastCycleMs: number;
  lastError: { code: string; message: string; at: number } | undefined;
}

/** Issues one read request of a block; resolves to the response data bytes. */
export async function readBlock(client: ModbusClient, b: ReadBlock): Promise<Buffer> {
  client.setID(b.unitId);
  switch (b.fn) {
    case 1:
      return (await client.readCoils(b.start, b.count)).buffer;
    case 2:
      return (await client.readDiscreteInputs(b.start, b.count)).buffer;
    case 3:
      return (await client.readHoldingRegisters(b.start, b.count)).buffer;
    case 4:
      return (await client.readInputRegisters(b.start, b.count)).buffer;
  }
}

/** Decodes a register's value from the bytes of the block that read it. */
export function decodeItem(reg: RegisterSpec, data: Buffer, offset: number): RawValue {
  return reg.fn === 1 || reg.fn === 2 ? decodeBit(data, offset) : decodeRegisters(reg, data, offset * 2);
}

export class DevicePoller {
  readonly stats: PollStats = {
    polls: 0,
    overruns: 0,
    reads: 0,
    readErrors: 0,
    exceptions: 0,
    timeouts: 0,
    pointsOut: 0,
    lastPollAt: 0,
    lastSuccessAt: 0,
    lastCycleMs: 0,
    lastError: undefined,
  };
  readonly blocks: readonly ReadBlock[];
  readonly #regs: readonly RegisterSpec[];
  readonly #templates: readonly PointTemplate[];
  /** Latest value, quality and time per register (for STATUS and change detection). */
  readonly values: (RawValue | null)[];
  readonly qualities: QualityValue[];
  readonly times: string[];
  readonly #reportedValue: (RawValue | null)[];
  readonly #reportedQuality: (QualityValue | 2)[];
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #nextDue = 0;
  #stopped = false;
  #lastLoggedCode = '';

  constructor(
    readonly spec: DeviceSpec,
    readonly link: DeviceLink,
    readonly emit: PointsSink,
    readonly log: Logger,
    readonly observe: (outcome: CycleOutcome) => void = () => {},
  ) {
    this.#regs = spec.registers;
    this.blocks = planReads(spec.registers, { maxGap: spec.maxGap, maxLength: spec.maxLength });
    this.#templates = spec.registers.map((r) => pointTemplate(r.key, spec.name, r.type, r.tags));
    const n = spec.registers.length;
    this.values = new Array<RawValue | null>(n).fill(null);
    this.qualities = new Array<QualityValue>(n).fill(Quality.UNKNOWN);
    this.times = new Array<string>(n).fill('0');
    this.#reportedValue = new Array<RawValue | null>(n).fill(null);
    this.#reportedQuality = new Array<QualityValue | 2>(n).fill(2); // 2: never reported
  }

  start(): void {
    if (this.#regs.length === 0) return; // nothing to poll (a CONFIG with "registers": [])
    this.#nextDue = Date.now();
    this.#tick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #tick = (): void => {
    if (this.#stopped) return;
    if (this.#running) this.stats.overruns++;
    else void this.#cycle();
    // Fixed rate: the next poll is due one interval after the previous due time, not after the poll ended.
    const now = Date.now();
    this.#nextDue += this.spec.intervalMs;
    if (this.#nextDue < now) this.#nextDue = now + this.spec.intervalMs - ((now - this.#nextDue) % this.spec.intervalMs);
    this.#timer = setTimeout(this.#tick, this.#nextDue - now);
  };

  async #cycle(): Promise<void> {
    this.#running = true;
    const started = Date.now();
    this.stats.polls++;
    this.stats.lastPollAt = started;
    // A poll that finds the link mid-connect waits for the attempt (bounded by timeout_ms)
    // rather than reporting quality 0 for a device that is about to answer.
    if (this.link.state === 'connecting') await this.link.settled();
    const out: string[] = [];
    let anyOk = false;
    let anyError = false;
    let failure: string | null = null;
    let pointsRead = 0;
    let lastTs = '';
    for (const block of this.blocks) {
      if (this.#stopped) break;
      let data: Buffer | null = null;
      let error: OutriggerError | null = null;
      try {
        data = this.link.state === 'connected' ? await this.link.request((c) => readBlock(c, block)) : null;
      } catch (err) {
        error = err as OutriggerError;
      }
      const ts = nowNs();
      lastTs = ts;
      if (data) {
        this.stats.reads++;
        anyOk = true;
        pointsRead += block.items.length;
        for (const it of block.items) this.#record(it.index, decodeItem(this.#regs[it.index]!, data, it.offset), Quality.GOOD, ts, out);
      } else {
        anyError = true;
        failure ??= error ? error.code : 'MODBUS_DEVICE_DOWN';
        if (error) this.#countError(error, block);
        for (const it of block.items) this.#record(it.index, null, Quality.BAD, ts, out);
      }
    }
    if (anyOk) this.stats.lastSuccessAt = Date.now();
    if (!anyError) this.#lastLoggedCode = '';
    this.stats.lastCycleMs = Date.now() - started;
    this.#running = false;
    if (this.#stopped) return;
    this.observe({ durationS: this.stats.lastCycleMs / 1000, pointsRead, failure, up: !anyError && this.link.state === 'connected' });
    this.stats.pointsOut += out.length;
    this.emit(this.spec.name, out, lastTs);
  }

  #record(i: number, value: RawValue | null, quality: QualityValue, ts: string, out: string[]): void {
    this.values[i] = value;
    this.qualities[i] = quality;
    this.times[i] = ts;
    const reg = this.#regs[i]!;
    if (reg.onChange && !this.#changed(reg, i, value, quality)) return;
    this.#reportedValue[i] = value;
    this.#reportedQuality[i] = quality;
    out.push(encodePoint(this.#templates[i]!, ts, valueJson(value), quality));
  }

  #changed(reg: RegisterSpec, i: number, value: RawValue | null, quality: QualityValue): boolean {
    if (this.#reportedQuality[i] !== quality) return true;
    if (quality !== Quality.GOOD) return false;
    const prev = this.#reportedValue[i];
    if (typeof value === 'number' && typeof prev === 'number') {
      return reg.deadband > 0 ? Math.abs(value - prev) > reg.deadband : value !== prev && !(Number.isNaN(value) && Number.isNaN(prev));
    }
    return value !== prev;
  }

  #countError(err: OutriggerError, block: ReadBlock): void {
    this.stats.readErrors++;
    if (err.code === 'MODBUS_EXCEPTION') this.stats.exceptions++;
    else if (err.code === 'MODBUS_TIMEOUT') this.stats.timeouts++;
    this.stats.lastError = { code: err.code, message: err.message, at: Date.now() };
    // Log a change of error, not every failing cycle of a device that stays broken.
    if (err.code === this.#lastLoggedCode) return;
    this.#lastLoggedCode = err.code;
    this.log.warn({ device: this.spec.name, code: err.code, fn: block.fn, unit: block.unitId, start: block.start, count: block.count, err: err.message }, 'modbus read failed');
  }
}
