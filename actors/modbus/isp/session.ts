import { LineDecoder } from '../../../runtime/codec/lines.ts';
import { type IspError, type IspMessage, encodeErrorResponse, parseIspLine } from './codec.ts';
import { Session, type SessionEnv } from '../../../runtime/session/session.ts';
import type { Connection } from '../../../runtime/transport/connection.ts';

/** What a session needs from the hub that owns all gateways. */
export interface IspSessionHost {
  handle(session: IspSession, msg: IspMessage): void;
  /** A line was refused before it reached `handle` (counted as an error). */
  refused(session: IspSession, error: IspError): void;
  lineIn(): void;
  linesOut(n: number): void;
  closed(session: IspSession): void;
}

/** How much DATA a slow gateway may hold up (the line cap is the session limits' maxFrameBytes). */
export interface IspDataLimits {
  /** Bytes the socket may hold unsent before DATA is queued in the session instead. */
  socketHighWaterBytes: number;
  /** Bytes of DATA a session queues for a slow gateway before dropping the oldest. */
  maxQueuedDataBytes: number;
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
export class IspSession extends Session {
  readonly name: string;
  lastSeen = Date.now();
  droppedMessages = 0;
  droppedPoints = 0;
  readonly #decoder: LineDecoder;
  #queue: QueuedData[] = [];
  #queuedBytes = 0;
  #waitingForDrain = false;

  constructor(
    conn: Connection,
    env: SessionEnv,
    readonly host: IspSessionHost,
    readonly data: IspDataLimits,
  ) {
    super(conn, env);
    this.name = `gateway-${conn.id}`;
    this.#decoder = new LineDecoder(env.limits.maxFrameBytes);
  }

  /** Runs a gateway request (CONFIG, STATUS) within the connection's in-flight bound. */
  track(work: Promise<void>): void {
    this.started(null, 0);
    void work.finally(() => this.settled(0));
  }

  get partialBytes(): number {
    return this.#decoder.partialBytes;
  }

  get queuedDataBytes(): number {
    return this.#queuedBytes;
  }

  onData(chunk: Buffer): void {
    this.lastSeen = Date.now();
    this.#decoder.push(chunk, this.#onLine, this.#onLineError);
    this.afterRead(chunk.length);
  }

  // ISP answers with RESPONSE lines of its own; the router never replies to a gateway directly.
  resolve(): void {}
  reject(): void {}


  override onClose(): void {
    super.onClose();
    this.#queue = [];
    this.#queuedBytes = 0;
    this.host.closed(this);
  }

  readonly #onLine = (line: Buffer): void => {
    // Closing (error budget spent): the rest of the chunk is dropped unread.
    if (!this.conn.open) return;
    this.host.lineIn();
    const r = parseIspLine(line, 'gateway');
    if (r.ok) {
      this.wellFormed();
      this.host.handle(this, r.msg);
    } else this.#refuse(r.id, r.error);
  };

  readonly #onLineError = (error: IspError): void => {
    if (!this.conn.open) return;
    this.host.lineIn();
    this.#refuse(undefined, error);
  };

  /** A line the gateway got wrong: answered, and counted against the connection's error budget. */
  #refuse(id: string | undefined, error: IspError): void {
    this.host.refused(this, error);
    this.send(encodeErrorResponse(id, error));
    if (this.malformed()) this.conn.end();
  }

  /** A control line (RESPONSE, HEARTBEAT): never dropped. */
  send(line: Buffer): void {
    if (!this.conn.open) return;
    this.conn.write(line);
    this.host.linesOut(1);
  }

  /** DATA lines shared by every gateway (the same buffer is written to each). */
  sendData(buf: Buffer, messages: number, points: number): void {
    if (!this.conn.open) return;
    if (this.#queue.length === 0 && this.conn.socket.writableLength < this.data.socketHighWaterBytes) {
      this.conn.write(buf);
      this.host.linesOut(messages);
      return;
    }
    this.#queue.push({ buf, messages, points });
    this.#queuedBytes += buf.length;
    while (this.#queuedBytes > this.data.maxQueuedDataBytes && this.#queue.length > 1) {
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
    let budget = this.data.socketHighWaterBytes - this.conn.socket.writableLength;
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
