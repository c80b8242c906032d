// The router's deadline registry: every request is added at dispatch and
// removed when it settles. One call adds 256 requests (what a pipelined
// connection keeps in flight) and settles them in order, then out of order.
import { systemClock } from '../../../runtime/router/clock.ts';
import { type DeadlineEntry, DeadlineRegistry } from '../../../runtime/router/deadlines.ts';
import { keep, type MicroCase } from '../case.ts';

const INFLIGHT = 256;

function entry(): DeadlineEntry {
  return { deadline: 0, dlPrev: null, dlNext: null, dlList: null };
}

const entries = Array.from({ length: INFLIGHT }, entry);
// Settling order of handlers that finish out of order: a fixed permutation (7919 is odd, so i -> 7919 i mod 256 is one).
const shuffled = entries.map((_, i) => entries[(i * 7919) % INFLIGHT]!);
const registry = new DeadlineRegistry<DeadlineEntry>(() => {
  throw new Error('no entry may expire during the bench');
}, systemClock);

export const cases: MicroCase[] = [
  {
    name: `deadline add + remove, ${INFLIGHT} in flight, in order (per request)`,
    ops: INFLIGHT,
    run: () => {
      for (const e of entries) registry.add(e, 30_000);
      for (const e of entries) registry.remove(e);
      keep(registry.size);
    },
  },
  {
    name: `deadline add + remove, ${INFLIGHT} in flight, out of order (per request)`,
    ops: INFLIGHT,
    run: () => {
      for (const e of entries) registry.add(e, 30_000);
      for (const e of shuffled) registry.remove(e);
      keep(registry.size);
    },
  },
  {
    name: `deadline add + remove, 3 timeouts mixed (per request)`,
    ops: INFLIGHT,
    run: () => {
      for (let i = 0; i < INFLIGHT; i++) registry.add(entries[i]!, i % 3 === 0 ? 5_000 : i % 3 === 1 ? 30_000 : 60_000);
      for (const e of shuffled) registry.remove(e);
      keep(registry.size);
    },
  },
];
