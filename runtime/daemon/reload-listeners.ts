/*
 * Hot reload of the core listeners' addresses (binary IPC and Goridge):
 * a listener whose TCP address, unix path or `enabled` changed is rebuilt
 * on the new address. Preparing binds every moved listener or none (a
 * failure re-takes the old addresses); committing retires the old ones,
 * whose open connections stay until they close. Plugins move their own
 * listeners in their reload hooks.
 */
import type { OutriggerConfig } from '../config/load.ts';
import type { Listener } from '../transport/listener.ts';
import type { DaemonHandle as Daemon } from './handle.ts';
import { goridgeListener, ipcListener, retire } from './listeners.ts';

const CORE = [
  { name: 'ipc', build: ipcListener },
  { name: 'goridge', build: goridgeListener },
] as const;

/** A listener to swap at commit: the running one (if any) and its replacement (null when now disabled). */
export interface ListenerMove {
  readonly name: string;
  readonly old: Listener | null;
  readonly next: Listener | null;
}

function address(c: OutriggerConfig, name: (typeof CORE)[number]['name']): string {
  const l = c.listeners[name];
  if (!l.enabled) return 'disabled';
  return JSON.stringify({ tcp: l.tcp ?? null, unix: l.unix?.path ?? null });
}

/** Binds the moved listeners on their new addresses; throws (with every old address taken back) when one cannot bind. */
export async function prepareListenerMoves(d: Daemon, prev: OutriggerConfig, next: OutriggerConfig): Promise<ListenerMove[]> {
  const moves: ListenerMove[] = [];
  try {
    for (const { name, build } of CORE) {
      if (address(prev, name) === address(next, name)) continue;
      const old = d.listeners.find((l) => l.name === name) ?? null;
      const move: ListenerMove = { name, old, next: build(d, next) };
      moves.push(move);
      // The same unix path can't be bound twice: release it first, re-take it on failure.
      if (old) await old.stopAccepting();
      if (move.next) await move.next.listen();
    }
    return moves;
  } catch (err) {
    const failed = moves[moves.length - 1]?.name ?? 'listeners';
    for (const m of moves) {
      if (m.next) {
        await m.next.stopAccepting();
        retire(m.next);
      }
      if (!m.old) continue;
      try {
        await m.old.relisten();
      } catch (e) {
        d.log.error({ err: e, listener: m.name }, 'reload: could not re-bind the previous listener');
      }
    }
    throw new Error(`listeners.${failed}: ${(err as Error).message}`, { cause: err });
  }
}

/** Swaps the moved listeners in; says what changed. */
export function commitListenerMoves(d: Daemon, moves: readonly ListenerMove[], changes: string[]): void {
  for (const { name, old, next } of moves) {
    if (old) {
      d.retireListener(old);
      changes.push(`listener '${name}' no longer accepts on ${old.bound.join(' ')} (open connections stay)`);
    }
    if (next) {
      d.listeners.push(next);
      changes.push(`listener '${name}' now on ${next.bound.join(' ')}`);
    }
  }
}
