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
  readonly closed = { readTimeout: 0, writeTimeout: 0, memory: 0, idle: 0, errors: 0, authFailures: 0 };
  malformed = 0;
  authenticated = 0;
}

/** What every session of one listener shares. `limits` is replaced by a reload. */
export interface SessionEnv {
  readonly router: Router;
  limits: SessionLimits;
  readonly trust: Trust;
  readonly budget: MemoryBudget;
  /** Bytes of requests in flight and of replies clients have not read, across all connections (limits.maxInflightBytes). */
  readonly inflightBudget: MemoryBudget;
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
  /** Bytes of the requests in flight (their frames' payloads). */
  inflightBytes = 0;
  /** When the frame now arriving started (coarse clock); 0 when none is partial. */
  partialSince = 0;
  #held = 0;
  /** Bytes of replies the socket holds for a client that does not read them. */
  #repliesHeld = 0;
  /** Bytes of replies held for ordering (holdReply), counted in inflightBytes too. */
  #orderHeld = 0;
  #waitingForHeld: (() => void) | null = null;
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
    // Requests still in flight settle later into a closed socket; what they and the unread replies hold is released now.
    const charged = this.heldBytes;
    if (charged > 0) this.env.inflightBudget.change(-charged);
    this.inflightBytes = 0;
    this.#repliesHeld = 0;
    this.#orderHeld = 0;
    if (this.#waitingForHeld) this.env.inflightBudget.forget(this.#waitingForHeld);
  }

  /** Bytes of replies waiting for this client: held for ordering, or in the socket and backlog while it is behind. */
  get repliesHeld(): number {
    return this.#repliesHeld + this.#orderHeld;
  }

  /**
   * A reply of `bytes` is held for ordering (behind an earlier request):
   * counted in flight until releaseReply, so the bounds see replies larger
   * than their requests too.
   */
  holdReply(bytes: number): void {
    if (this.conn.isClosed) return;
    this.#orderHeld += bytes;
    this.#charge(bytes);
  }

  /** A reply held for ordering went out (before its request's settled()). */
  releaseReply(bytes: number): void {
    if (this.conn.isClosed) return;
    this.#orderHeld -= bytes;
    this.#discharge(bytes);
  }

  /** Bytes this connection holds in flight and in replies waiting for it: what closing it under pressure frees. */
  get heldBytes(): number {
    return this.inflightBytes + this.#repliesHeld;
  }

  /** Bytes now held in flight: reading pauses at the connection's bound, or when all connections together hold too much. */
  #charge(bytes: number): void {
    this.inflightBytes += bytes;
    if (this.inflightBytes >= this.env.limits.maxInflightBytesPerConnection) this.conn.pause(PauseReason.INFLIGHT);
    if (this.env.inflightBudget.change(bytes)) this.#waitForHeld();
  }

  #discharge(bytes: number): void {
    this.inflightBytes -= bytes;
    this.env.inflightBudget.change(-bytes);
  }

  onRepliesHeld(bytes: number): void {
    if (this.conn.isClosed) return;
    const over = this.env.inflightBudget.change(bytes - this.#repliesHeld);
    this.#repliesHeld = bytes;
    if (over) this.#waitForHeld();
  }

  #waitForHeld(): void {
    if (this.#waitingForHeld) return;
    this.conn.pause(PauseReason.HELD);
    this.#waitingForHeld = () => {
      this.#waitingForHeld = null;
      this.conn.resume(PauseReason.HELD);
    };
    this.env.inflightBudget.wait(this.#waitingForHeld);
  }

  /**
   * After the decoder took a chunk of `chunkBytes`: the connection was
   * active; a partial frame counts against the memory budget, and the read
   * timeout runs from the read that started it (a read that completed a
   * frame and began the next restarts it: the timeout is per frame, so a
   * client pipelining without pause is never cut off).
   */
  afterRead(chunkBytes: number): void {
    const now = coarseClock.now;
    this.conn.lastActive = now;
    // Requests in flight everywhere are over their budget: read no more here either, so the total can exceed it
    // by at most one read per connection (what was read already was counted as a partial frame).
    if (this.env.inflightBudget.over) this.#waitForHeld();
    const held = this.partialBytes;
    if (held === 0) {
      this.partialSince = 0;
      if (this.#held !== 0) {
        this.env.budget.change(-this.#held);
        this.#held = 0;
      }
      return;
    }
    // Fewer bytes held than before plus the chunk: a frame completed in this read, and the one now held began in it.
    if (this.partialSince === 0 || held < this.#held + chunkBytes) this.partialSince = now;
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

  /**
   * A request of `bytes` (or a reply held for ordering, 0) now counts in
   * flight: pause reading at the connection's bounds (count, bytes), when
   * all connections together hold too much, or when its actor is full.
   */
  started(p: Pending | null, bytes: number): void {
    this.inflight++;
    const limits = this.env.limits;
    if (bytes > 0) this.#charge(bytes);
    if (this.inflight >= limits.maxInflightPerConnection) this.conn.pause(PauseReason.INFLIGHT);
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

  /** The reply to a request of `bytes` went out: resume reading once half the in-flight room (count and bytes) is free again. */
  settled(bytes: number): void {
    this.inflight--;
    this.conn.lastActive = coarseClock.now;
    if (bytes > 0 && !this.conn.isClosed) this.#discharge(bytes);
    const limits = this.env.limits;
    if (this.inflight <= limits.maxInflightPerConnection >> 1 && this.inflightBytes <= limits.maxInflightBytesPerConnection / 2) {
      this.conn.resume(PauseReason.INFLIGHT);
    }
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
