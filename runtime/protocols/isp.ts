import { type IspError, type IspMessage, LineDecoder, encodeErrorResponse, parseIspLine } from '../codec/isp.ts';
import type { SerializedError } from '../errors/error.ts';
import type { ListenerRateLimit, TokenBucket } from '../resilience/rate-limit.ts';
import type { Connection, ProtocolSession } from '../transport/connection.ts';
import { ConnectionAdmission } from './admission.ts';

/** What a session needs from the hub that owns all gateways. */
export interface IspSessionHost {
  handle(session: IspSession, msg: IspMessage): void;
  /** A line was refused before it reached `handle` (counted as an error). */
  refused(session: IspSession, error: IspError): void;
  lineIn(): void;
  linesOut(n: number): void;
  closed(session: IspSession): void;
}

export interface IspSessionLimits {
  maxLineBytes: number;
  /** Bytes the socket may hold unsent before DATA is queued in the session instead. */
  socketHighWaterBytes: number;
  /** Bytes of DATA a session queues for a slow gateway before dropping the oldest. */
  maxQueuedDataBytes: number;
  /** The listener's per-connection request rate limit (CONFIG and STATUS), or none. */
  rateLimit?: ListenerRateLimit | null;
  /** CONFIG/STATUS requests a gateway may have in flight before its socket stops being read. */
  maxInflightPerConnection: number;
}

interface QueuedData {
  buf: Buffer;
  messages: number;
  points: number;
}

/**
 * One gateway connection. Requests are answered in the order they finish;
 * RESPONSE and HEARTBEAT lines are always written, DATA for a gateway that
 * reads too slowly is queued up to a byte cap and then dropped oldest first,
 * so a slow reader costs bounded memory and still gets the freshest values.
 */
export class IspSession implements ProtocolSession {
  readonly name: string;
  lastSeen = Date.now();
  droppedMessages = 0;
  droppedPoints = 0;
  readonly #decoder: LineDecoder;
  readonly #bucket: TokenBucket | null;
  #queue: QueuedData[] = [];
  #queuedBytes = 0;
  #waitingForDrain = false;
  #requests = 0;
  readonly #admission: ConnectionAdmission;

  constructor(
    readonly conn: Connection,
    readonly host: IspSessionHost,
    readonly limits: IspSessionLimits,
  ) {
    this.name = `gateway-${conn.id}`;
    this.#decoder = new LineDecoder(limits.maxLineBytes);
    this.#bucket = limits.rateLimit?.forConnection() ?? null;
    this.#admission = new ConnectionAdmission(conn, limits.maxInflightPerConnection);
  }

  /** Runs a gateway request (CONFIG, STATUS) within the connection's in-flight bound. */
  track(work: Promise<void>): void {
    this.#admission.started(++this.#requests);
    void work.finally(() => this.#admission.settled(--this.#requests));
  }

  /** Takes a token for a request (CONFIG, STATUS); the RATE_LIMITED error when the bucket is empty. */
  admit(): SerializedError | null {
    return this.#bucket ? this.limits.rateLimit!.admit(this.#bucket) : null;
  }

  get open(): boolean {
    return this.conn.open;
  }

  get queuedDataBytes(): number {
    return this.#queuedBytes;
  }

  onData(chunk: Buffer): void {
    this.lastSeen = Date.now();
    this.#decoder.push(chunk, this.#onLine, this.#onLineError);
  }

  onClose(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
    this.host.closed(this);
  }

  readonly #onLine = (line: Buffer): void => {
    this.host.lineIn();
    const r = parseIspLine(line, 'gateway');
    if (r.ok) this.host.handle(this, r.msg);
    else {
      this.host.refused(this, r.error);
      this.send(encodeErrorResponse(r.id, r.error));
    }
  };

  readonly #onLineError = (error: IspError): void => {
    this.host.lineIn();
    this.host.refused(this, error);
    this.send(encodeErrorResponse(undefined, error));
  };

  /** A control line (RESPONSE, HEARTBEAT): never dropped. */
  send(line: Buffer): void {
    if (!this.conn.open) return;
    this.conn.write(line);
    this.host.linesOut(1);
  }

  /** DATA lines shared by every gateway (the same buffer is written to each). */
  sendData(buf: Buffer, messages: number, points: number): void {
    if (!this.conn.open) return;
    if (this.#queue.length === 0 && this.conn.socket.writableLength < this.limits.socketHighWaterBytes) {
      this.conn.write(buf);
      this.host.linesOut(messages);
      return;
    }
    this.#queue.push({ buf, messages, points });
    this.#queuedBytes += buf.length;
    while (this.#queuedBytes > this.limits.maxQueuedDataBytes && this.#queue.length > 1) {
      const old = this.#queue.shift()!;
      this.#queuedBytes -= old.buf.length;
      this.droppedMessages += old.messages;
      this.droppedPoints += old.points;
    }
    this.#scheduleDrain();
  }

  /**
   * Resumes writing queued DATA once the socket can take it. Checked a turn
   * later, after the connection's coalesced flush: a write the kernel takes
   * whole returns true and never emits 'drain', so 'drain' is only awaited
   * when the socket says it is backed up.
   */
  #scheduleDrain(): void {
    if (this.#waitingForDrain) return;
    this.#waitingForDrain = true;
    setImmediate(() => {
      if (!this.conn.open) return;
      if (this.conn.socket.writableNeedDrain) this.conn.socket.once('drain', this.#drain);
      else this.#drain();
    });
  }

  readonly #drain = (): void => {
    this.#waitingForDrain = false;
    // conn.write only flushes at the end of the turn, so budget by bytes rather than by writableLength.
    let budget = this.limits.socketHighWaterBytes - this.conn.socket.writableLength;
    while (this.#queue.length > 0 && budget > 0 && this.conn.open) {
      const q = this.#queue.shift()!;
      this.#queuedBytes -= q.buf.length;
      budget -= q.buf.length;
      this.conn.write(q.buf);
      this.host.linesOut(q.messages);
    }
    if (this.#queue.length > 0 && this.conn.open) this.#scheduleDrain();
  };
}
