import type { MemoryBudget } from './memory-budget.ts';
import type { Session } from './session.ts';
import { CLOSE_LINGER_MS, PauseReason, coarseClock, type Connection } from '../transport/connection.ts';

// The one pause that runs a partial frame's read timeout: the memory budget for frames still arriving, which
// the read timeout frees from slow senders. A client that does not read its replies is the write timeout's.
const CLIENT_PAUSES = PauseReason.MEMORY;

/** How often the sweeper runs: the resolution of read and idle timeouts. */
export const SWEEP_INTERVAL_MS = 1000;

/**
 * How long the bytes held for requests in flight and unread replies may stay
 * over limits.maxInflightBytes (or above its low-water mark while connections
 * wait for it) before the connection holding the most of them, among those
 * with replies their client has not taken, is closed (one per sweep while
 * the pressure lasts). Without it, clients that take a piece of
 * their replies now and then, never stalling long enough for the write
 * timeout, could keep every other client waiting.
 */
export const HELD_EVICT_AFTER_MS = 5000;

/**
 * One timer for every connection of every listener (never one per
 * connection): advances the coarse clock, closes connections whose partial
 * frame took longer than the read timeout, those whose client has read none
 * of its replies for the write timeout, and idle ones, and destroys
 * connections the daemon ended whose client has not closed them.
 */
export class ConnectionSweeper {
  readonly #groups = new Set<ReadonlySet<Connection>>();
  #timer: NodeJS.Timeout | null = null;

  add(connections: ReadonlySet<Connection>): void {
    this.#groups.add(connections);
    if (!this.#timer) {
      // The clock was idle while no listener existed: bring it up to date before anyone reads it.
      coarseClock.now = Date.now();
      this.#timer = setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  remove(connections: ReadonlySet<Connection>): void {
    this.#groups.delete(connections);
    if (this.#groups.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  sweep(now: number): void {
    coarseClock.now = now;
    // Per budget over its limit: the session holding the most bytes with replies waiting for its client.
    let heaviest: Map<MemoryBudget, Session> | null = null;
    for (const group of this.#groups) {
      for (const conn of group) {
        if (conn.closingSince !== 0) {
          // Ended by the daemon: the client had its linger to close.
          if (now - conn.closingSince >= CLOSE_LINGER_MS) conn.destroy();
          continue;
        }
        const s = conn.session as Session | null;
        if (!s?.env || !conn.open) continue;
        const budget = s.env.inflightBudget;
        if (!budget.pressed) {
          budget.pressedSince = 0;
        } else {
          if (budget.pressedSince === 0) budget.pressedSince = now;
          if (s.repliesHeld > 0) {
            heaviest ??= new Map();
            const top = heaviest.get(budget);
            if (!top || s.heldBytes > top.heldBytes) heaviest.set(budget, s);
          }
        }
        const { readTimeoutMs, writeTimeoutMs, idleTimeoutMs } = s.env.limits;
        if (conn.writeStalled(now, writeTimeoutMs)) {
          // Its replies have waited that long for a client that takes none: what they hold is freed with it.
          s.env.stats.closed.writeTimeout++;
          conn.destroy();
          continue;
        }
        // A frame held up by the daemon's own bounds (requests in flight, a full actor queue, the bytes held) or
        // by replies the client reads slowly is not the client's slow sending: its clock restarts.
        if (s.partialSince !== 0 && conn.paused !== 0 && (conn.paused & CLIENT_PAUSES) === 0) s.partialSince = now;
        if (s.partialSince !== 0 && now - s.partialSince > readTimeoutMs) {
          s.env.stats.closed.readTimeout++;
          conn.destroy();
        } else if (idleTimeoutMs > 0 && s.inflight === 0 && s.partialSince === 0 && now - conn.lastActive > idleTimeoutMs) {
          s.env.stats.closed.idle++;
          conn.end();
        }
      }
    }
    if (heaviest) {
      for (const [budget, s] of heaviest) {
        if (now - budget.pressedSince < HELD_EVICT_AFTER_MS || !s.conn.open || s.conn.socket.destroyed) continue;
        s.env.stats.closed.memory++;
        s.conn.destroy();
      }
    }
  }
}

export const sweeper = new ConnectionSweeper();
