// Merges a device's registers into as few read requests as the limits allow.
// Pure. EdgeX reads every register with its own request (device-modbus-go
// #629); Telegraf and Neuron merge neighbours. Here two registers of the same
// function and unit id share a read when the unused span between them is at
// most `maxGap` and the whole read stays within `maxLength` (and the protocol
// limit: 125 registers, 2000 bits).
import { type FunctionCode, MAX_READ_BITS, MAX_READ_REGISTERS } from './spec.ts';

export interface PlanInput {
  readonly fn: FunctionCode;
  readonly unitId: number;
  readonly address: number;
  /** Registers (fn 3/4) or bits (fn 1/2). */
  readonly quantity: number;
}

export interface PlanItem {
  /** Index of the register in the input list. */
  readonly index: number;
  /** Its first register (or bit) relative to the block start. */
  readonly offset: number;
}

export interface ReadBlock {
  readonly fn: FunctionCode;
  readonly unitId: number;
  readonly start: number;
  readonly count: number;
  readonly items: readonly PlanItem[];
}

export interface PlanOptions {
  maxGap: number;
  /** Defaults to the protocol maximum of the function. */
  maxLength?: number | undefined;
}

export function protocolMax(fn: FunctionCode): number {
  return fn === 1 || fn === 2 ? MAX_READ_BITS : MAX_READ_REGISTERS;
}

export function planReads(regs: readonly PlanInput[], opts: PlanOptions): ReadBlock[] {
  const groups = new Map<number, number[]>();
  regs.forEach((r, i) => {
    const g = r.fn * 256 + r.unitId;
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  });
  const blocks: ReadBlock[] = [];
  for (const g of [...groups.keys()].sort((a, b) => a - b)) {
    const order = groups.get(g)!.sort((a, b) => regs[a]!.address - regs[b]!.address || regs[b]!.quantity - regs[a]!.quantity);
    const first = regs[order[0]!]!;
    const limit = Math.min(opts.maxLength ?? Infinity, protocolMax(first.fn));
    let start = -1;
    let end = -1; // exclusive
    let members: number[] = [];
    const close = (): void => {
      if (members.length === 0) return;
      const items = members.map((i) => ({ index: i, offset: regs[i]!.address - start }));
      blocks.push({ fn: first.fn, unitId: first.unitId, start, count: end - start, items });
      members = [];
    };
    for (const i of order) {
      const r = regs[i]!;
      const rEnd = r.address + r.quantity;
      const merged = Math.max(end, rEnd) - start;
      if (members.length > 0 && r.address - end <= opts.maxGap && merged <= limit) {
        end = Math.max(end, rEnd);
        members.push(i);
        continue;
      }
      close();
      start = r.address;
      end = rEnd;
      members.push(i);
    }
    close();
  }
  return blocks;
}
