// The admission layer every listener shares (IPC, Goridge, ISP and any a
// feature adds): grants and the token, bounded in-flight requests with
// backpressure, rate limits, an error budget for malformed input, and the
// bookkeeping the sweeper and the memory budget need for frames still
// arriving. A protocol session extends Session and adds only its codec and
// how its replies look.
import type { Logger } from 'pino';
import type { MemoryBudget } from './memory-budget.ts';
import type { SessionLimits } from './limits.ts';
import type { Trust } from './trust.ts';
import type { SerializedError } from '../errors/error.ts';
import type { ListenerRateLimit, TokenBucket } from '../resilience/rate-limit.ts';
import type { Pending, ReplySink } from '../router/pending.ts';
import type { Grants } from '../router/policy.ts';
import type { Router } from '../router/router.ts';
import { type Connection, PauseReason, type ProtocolSession, coarseClock } from '../transport/connection.ts';

/** Counters of one listener's sessions (metrics and status). */
export class SessionStats {
  /** Connections closed by the daemon, by reason. */
  readonly closed = { readTimeout: 0, idle: 0, errors: 0, authFailures: 0 };
  malformed = 0;
  authenticated = 0;
}

/** What every session of one listener shares. `limits` is replaced by a reload. */
export interface SessionEnv {
  readonly router: Router;
  limits: SessionLimits;
  readonly trust: Trust;
  readonly budget: MemoryBudget;
  readonly rateLimit: ListenerRateLimit | null;
  readonly stats: SessionStats;
  readonly log: Logger;
}

export type SessionFactory = (conn: Connection, env: SessionEnv) => Session;

/** Failed token presentations a connection may make before it is closed. */
const MAX_AUTH_FAILURES = 3;

export abstract class Session implements ProtocolSession, ReplySink {
  /** Policy classes this connection may call (docs/security.md). */
  grants: Grants;
  inflight = 0;
  /** When the frame now arriving started (coarse clock); 0 when none is partial. */
  partialSince = 0;
  #held = 0;
  #errorsInRow = 0;
  #authFailures = 0;
  readonly #bucket: TokenBucket | null;
  #waitingForActor = false;
  #waitingForMemory: (() => void) | null = null;

  constructor(
    readonly conn: Connection,
    readonly env: SessionEnv,
  ) {
    this.grants = conn.unix ? env.trust.unix : env.trust.tcp;
    this.#bucket = env.rateLimit?.forConnection() ?? null;
  }

  abstract onData(chunk: Buffer): void;
  abstract resolve(p: Pending, result: Uint8Array): void;
  abstract reject(p: Pending, error: SerializedError): void;

  /** Bytes the protocol's decoder holds for a frame or line still arriving. */
  abstract get partialBytes(): number;

  get open(): boolean {
    return this.conn.open;
  }

  get listener(): string {
    return this.conn.listener;
  }

  get limits(): SessionLimits {
    return this.env.limits;
  }

  onClose(): void {
    if (this.#held > 0) this.env.budget.change(-this.#held);
    this.#held = 0;
    if (this.#waitingForMemory) this.env.budget.forget(this.#waitingForMemory);
  }

  /**
   * After the decoder took a chunk: the connection was active; a partial
   * frame starts the read timeout and counts against the memory budget.
   */
  afterRead(): void {
    const now = coarseClock.now;
    this.conn.lastActive = now;
    const held = this.partialBytes;
    if (held === 0) {
      this.partialSince = 0;
      if (this.#held !== 0) {
        this.env.budget.change(-this.#held);
        this.#held = 0;
      }
      return;
    }
    if (this.partialSince === 0) this.partialSince = now;
    if (held === this.#held) return;
    const over = this.env.budget.change(held - this.#held);
    this.#held = held;
    if (over && !this.#waitingForMemory) {
      this.conn.pause(PauseReason.MEMORY);
      this.#waitingForMemory = () => {
        this.#waitingForMemory = null;
        this.conn.resume(PauseReason.MEMORY);
      };
      this.env.budget.wait(this.#waitingForMemory);
    }
  }

  /** Before a request is dispatched: null when it may go on, else the error to answer it with. */
  admit(): SerializedError | null {
    const max = this.env.limits.maxInflightPerConnection;
    if (this.env.limits.overflow === 'reject' && this.inflight >= max) {
      return { code: 'BUSY', message: `connection has ${this.inflight} requests in flight (limit ${max})` };
    }
    return this.#bucket ? this.env.rateLimit!.admit(this.#bucket) : null;
  }

  /** A request (or a reply held for ordering) now counts in flight: pause reading at the bound or when its actor is full. */
  started(p: Pending | null): void {
    this.inflight++;
    if (this.inflight >= this.env.limits.maxInflightPerConnection) this.conn.pause(PauseReason.INFLIGHT);
    const host = p?.holder;
    if (host?.saturated && !this.#waitingForActor) {
      this.#waitingForActor = true;
      this.conn.pause(PauseReason.ACTOR_QUEUE);
      host.onDrain(() => {
        this.#waitingForActor = false;
        this.conn.resume(PauseReason.ACTOR_QUEUE);
      });
    }
  }

  /** A reply went out: resume reading once half the in-flight room is free again. */
  settled(): void {
    this.inflight--;
    this.conn.lastActive = coarseClock.now;
    if (this.inflight <= this.env.limits.maxInflightPerConnection >> 1) this.conn.resume(PauseReason.INFLIGHT);
  }

  /** A malformed frame or request; true when the connection used up its error budget and must close. */
  malformed(): boolean {
    this.env.stats.malformed++;
    if (++this.#errorsInRow < this.env.limits.maxConsecutiveErrors) return false;
    this.env.stats.closed.errors++;
    return true;
  }

  wellFormed(): void {
    this.#errorsInRow = 0;
  }

  /** Presents the shared token: on success the connection gets the token's grants. */
  authenticate(token: string): boolean {
    if (this.env.trust.verify(token)) {
      this.grants |= this.env.trust.token;
      this.env.stats.authenticated++;
      return true;
    }
    if (++this.#authFailures >= MAX_AUTH_FAILURES) {
      this.env.stats.closed.authFailures++;
      // After this reply: the client learns why before the connection goes.
      setImmediate(() => this.conn.end());
    }
    return false;
  }
}
