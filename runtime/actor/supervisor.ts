import { Backoff } from '../resilience/backoff.ts';

/** A worker slot as the supervisor sees it. */
export interface SupervisedSlot {
  readonly index: number;
  readonly state: string;
  lastBeat: number;
  /** Restart delays; reset when the worker reports ready. */
  readonly restarts: Backoff;
  spawn(): void;
  /** Gives up on a worker that stopped answering, without waiting for its thread to end. */
  abandon(reason: 'hung'): void;
}

export interface SupervisionOptions {
  heartbeatMs: number;
  /** A ready worker with no heartbeat for this long is hung. */
  hangTimeoutMs: number;
  restartBackoffMs: { initial: number; max: number };
}

/** Consecutive failed starts after which requests are refused at once instead of queued for a restart. */
export const CRASH_LOOP_FAILURES = 3;

/**
 * Keeps an actor's workers alive: a watchdog replaces workers whose
 * heartbeat stopped, lost workers are restarted after an exponential
 * backoff, and a slot that keeps failing is reported as crash-looping.
 */
export class Supervisor<S extends SupervisedSlot> {
  #watchdog: NodeJS.Timeout | null = null;
  #lastCheck = 0;

  constructor(
    readonly slots: readonly S[],
    public opts: SupervisionOptions,
  ) {}

  /** A Backoff for one slot's restarts: initial, doubling, capped; no jitter so tests can rely on it. */
  static backoff(opts: SupervisionOptions): Backoff {
    return new Backoff({ initialMs: opts.restartBackoffMs.initial, maxMs: opts.restartBackoffMs.max, jitter: 'none' });
  }

  watch(): void {
    this.#watchdog ??= setInterval(() => this.checkHeartbeats(Date.now()), this.opts.heartbeatMs);
    this.#watchdog.unref();
  }

  checkHeartbeats(now: number): void {
    // A tick this late means the main thread itself was stalled (a long
    // synchronous call, the process stopped): the heartbeats sent meanwhile
    // are queued and unread, so no worker is judged on them until they are.
    const stalled = this.#lastCheck > 0 && now - this.#lastCheck > 2 * this.opts.heartbeatMs;
    this.#lastCheck = now;
    if (stalled) return;
    for (const s of this.slots) if (s.state === 'ready' && now - s.lastBeat > this.opts.hangTimeoutMs) s.abandon('hung');
  }

  /** Schedules the restart of a lost worker; returns the delay. */
  restartLater(slot: S): number {
    const delay = slot.restarts.next();
    setTimeout(() => {
      if (slot.state === 'backoff') slot.spawn();
    }, delay).unref();
    return delay;
  }

  crashLooping(slot: S): boolean {
    return slot.state === 'backoff' && slot.restarts.attempts >= CRASH_LOOP_FAILURES;
  }

  stop(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }
}
