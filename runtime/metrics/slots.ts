import { ActorHost } from '../actor/host.ts';
import type { ActorRuntime } from '../actor/runtime.ts';
import type { WorkerSlot } from '../actor/worker-slot.ts';

/** The worker slots of an actor; none for an inline (main-thread) actor. */
export function workerSlots(h: ActorRuntime): readonly WorkerSlot[] {
  return h instanceof ActorHost ? h.slots : [];
}
