import type { Session } from './session.ts';
import { CLOSE_LINGER_MS, PauseReason, coarseClock, type Connection } from '../transport/connection.ts';

const CLIENT_PAUSES = PauseReason.MEMORY | PauseReason.WRITE_BLOCKED;

/** How often the sweeper runs: the resolution of read and idle timeouts. */
export const SWEEP_INTERVAL_MS = 1000;

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
    for (const group of this.#groups) {
      for (const conn of group) {
        if (conn.closingSince !== 0) {
          // Ended by the daemon: the client had its linger to close.
          if (now - conn.closingSince >= CLOSE_LINGER_MS) conn.destroy();
          continue;
        }
        const s = conn.session as Session | null;
        if (!s?.env || !conn.open) continue;
        const { readTimeoutMs, writeTimeoutMs, idleTimeoutMs } = s.env.limits;
        if (conn.writeStalled(now, writeTimeoutMs)) {
          // Its replies have waited that long for a client that takes none: what they hold is freed with it.
          s.env.stats.closed.writeTimeout++;
          conn.destroy();
          continue;
        }
        // A frame held up only by the daemon's own bounds (requests in flight, a full actor queue) is not the
        // client's delay: its clock restarts. Paused for the memory budget or for replies the client does not
        // read, the clock runs: the read timeout is what frees the budget from slow senders.
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
  }
}

export const sweeper = new ConnectionSweeper();
