import type { Pending } from '../router/pending.ts';
import { type Connection, PauseReason } from '../transport/connection.ts';

/**
 * A session's side of backpressure, shared by every protocol: stop reading
 * the socket when the connection has too much in flight or its target
 * actor's queue is full, and resume when the work drains.
 */
export class ConnectionAdmission {
  #waitingForActor = false;

  constructor(
    readonly conn: Connection,
    readonly maxInflight: number,
  ) {}

  /** After a request started: pause reading at the in-flight bound. */
  started(inflight: number): void {
    if (inflight >= this.maxInflight) this.conn.pause(PauseReason.INFLIGHT);
  }

  /** After a request was dispatched: pause at the in-flight bound or when the actor holding it is full. */
  dispatched(inflight: number, p: Pending): void {
    this.started(inflight);
    const host = p.holder;
    if (host?.saturated && !this.#waitingForActor) {
      this.#waitingForActor = true;
      this.conn.pause(PauseReason.ACTOR_QUEUE);
      host.onDrain(() => {
        this.#waitingForActor = false;
        this.conn.resume(PauseReason.ACTOR_QUEUE);
      });
    }
  }

  /** After a request settled: resume reading once half the in-flight room is free again. */
  settled(inflight: number): void {
    if (inflight <= this.maxInflight >> 1) this.conn.resume(PauseReason.INFLIGHT);
  }
}
