import type { Socket } from 'node:net';

/** Why reading from a socket is paused; reading resumes when no reason is left. */
export const PauseReason = {
  INFLIGHT: 1,
  ACTOR_QUEUE: 2,
  WRITE_BLOCKED: 4,
  /** The bytes held for frames still arriving, across all connections, are over the budget. */
  MEMORY: 8,
  /** The bytes of requests in flight and of replies clients have not read, across all connections, are over their budget. */
  HELD: 16,
} as const;

/** Receives a connection's bytes; one per connection, made by the listener's protocol. */
export interface ProtocolSession {
  onData(chunk: Buffer): void;
  onClose(): void;
  /** The bytes of replies the socket holds because the client does not read them (0 once it drained). */
  onRepliesHeld?(bytes: number): void;
}

/**
 * A clock read once per second by the connection sweeper instead of once
 * per read: idle and read timeouts only need second resolution.
 */
export const coarseClock = { now: Date.now() };

/**
 * How long a connection the daemon ends may wait for its client to close
 * (Go's net/rpc drains 2 s likewise); then the sweeper destroys it.
 */
export const CLOSE_LINGER_MS = 2000;

/**
 * Largest piece handed to a socket that already holds unwritten bytes. Node
 * reports a write done only when all of it is, so smaller pieces let the
 * write timeout see a slow reader's progress (one piece at a time) and keep
 * the rest in Connection's own backlog, counted as held.
 */
export const WRITE_PIECE_BYTES = 256 * 1024;

// Connections with replies queued this turn. Two lists take turns, so a
// flush allocates nothing; a connection written to during a flush (a reply
// produced by another's write) goes on the other list, for the next turn.
let dirty: Connection[] = [];
let spare: Connection[] = [];
let flushScheduled = false;

function flushDirty(): void {
  flushScheduled = false;
  const list = dirty;
  dirty = spare;
  try {
    for (let i = 0; i < list.length; i++) list[i]!.flush();
  } finally {
    list.length = 0;
    spare = list;
  }
}

let nextId = 1;

const CONNECTION = Symbol('outrigger.connection');
type OwnedSocket = Socket & { [CONNECTION]?: Connection };

/** The Connection that owns a socket (set by its constructor). */
export function connectionOf(socket: Socket): Connection {
  return (socket as OwnedSocket)[CONNECTION]!;
}

// Shared by every socket, with the socket as `this`: accepting a connection
// makes no closure per socket.
function onSocketClose(this: OwnedSocket): void {
  this[CONNECTION]!.closed();
}

function onSocketDrain(this: OwnedSocket): void {
  this[CONNECTION]!.drained();
}

/**
 * A client socket. Writes are queued and flushed once per event-loop turn as
 * one buffer: one socket.write per response capped a 2-core server at ~93k
 * req/s on TCP with 256 requests in flight; one write per turn (or cork around
 * each read) reached 1.1-1.4M in the same measurement.
 */
export class Connection {
  readonly id = nextId++;
  readonly openedAt = Date.now();
  #paused = 0;
  #out: Buffer[] = [];
  #outBytes = 0;
  #queued = false;
  #closing = false;
  #closed = false;
  bytesIn = 0;
  bytesOut = 0;
  session: ProtocolSession | null = null;
  /** Last read or reply (coarse clock), for the idle timeout. */
  lastActive = coarseClock.now;
  /** When the daemon ended the connection (coarse clock), 0 while it is open: the sweeper destroys it CLOSE_LINGER_MS later. */
  closingSince = 0;
  /**
   * While replies wait for a client that does not read them: when the
   * socket last took a piece of them (coarse clock; the sweeper's write
   * timeout). 0 when nothing waits.
   */
  stalledSince = 0;
  /** Replies not yet handed to the socket, in order, while it holds others. */
  #backlog: Buffer[] | null = null;
  #backlogBytes = 0;
  #awaitingDrain = false;

  constructor(
    readonly socket: Socket,
    readonly listener: string,
    /** Came in on a unix socket (its file permissions let it in). */
    readonly unix: boolean,
    /** Called once when the socket has closed, after the session's onClose (the listener's bookkeeping). */
    readonly onClosed: ((conn: Connection) => void) | null = null,
  ) {
    (socket as OwnedSocket)[CONNECTION] = this;
    socket.on('close', onSocketClose);
  }

  /** The socket closed (its 'close' event). */
  closed(): void {
    this.#closed = true;
    this.session?.onClose();
    this.onClosed?.(this);
  }

  get open(): boolean {
    return !this.#closed && !this.#closing;
  }

  /** The socket has closed (after closed() ran). */
  get isClosed(): boolean {
    return this.#closed;
  }

  get paused(): number {
    return this.#paused;
  }

  get remote(): string {
    return this.socket.remoteAddress ? `${this.socket.remoteAddress}:${this.socket.remotePort}` : 'unix';
  }

  write(buf: Buffer): void {
    if (this.#closed) return;
    this.#out.push(buf);
    this.#outBytes += buf.length;
    if (!this.#queued) {
      this.#queued = true;
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushDirty);
      }
    }
  }

  flush(): void {
    this.#queued = false;
    if (this.#closed || this.#out.length === 0) return;
    const data = this.#out.length === 1 ? this.#out[0]! : Buffer.concat(this.#out, this.#outBytes);
    this.bytesOut += this.#outBytes;
    this.#out = [];
    this.#outBytes = 0;
    if (this.#backlogBytes === 0 && data.length <= WRITE_PIECE_BYTES) {
      // The common case: one write.
      if (this.#closing) this.socket.end(data);
      else if (!this.socket.write(data)) this.#blocked();
      return;
    }
    (this.#backlog ??= []).push(data);
    this.#backlogBytes += data.length;
    if (this.#awaitingDrain) this.#reportHeld();
    else this.#pump();
  }

  /** Hands the backlog to the socket a piece at a time while it takes them; ends the socket after it when closing. */
  #pump(): void {
    const backlog = this.#backlog;
    while (backlog !== null && backlog.length > 0) {
      const head = backlog[0]!;
      let piece = head;
      if (head.length > WRITE_PIECE_BYTES) {
        piece = head.subarray(0, WRITE_PIECE_BYTES);
        backlog[0] = head.subarray(WRITE_PIECE_BYTES);
      } else {
        backlog.shift();
      }
      this.#backlogBytes -= piece.length;
      if (!this.socket.write(piece)) {
        this.#blocked();
        return;
      }
    }
    if (this.#closing) this.socket.end();
  }

  /** The socket holds more than it can send now: the client is not reading its replies, so stop reading its requests. */
  #blocked(): void {
    if (!this.#awaitingDrain) {
      this.#awaitingDrain = true;
      this.socket.once('drain', onSocketDrain);
    }
    if (this.stalledSince === 0) this.stalledSince = coarseClock.now;
    this.pause(PauseReason.WRITE_BLOCKED);
    this.#reportHeld();
  }

  #reportHeld(): void {
    this.session?.onRepliesHeld?.(this.#backlogBytes + this.socket.writableLength);
  }

  /** The socket wrote all it held ('drain'): the client took a piece; hand it the next, or read again. */
  drained(): void {
    this.#awaitingDrain = false;
    if (this.#closed) return;
    this.stalledSince = coarseClock.now;
    this.#pump();
    if (this.#awaitingDrain) return;
    this.stalledSince = 0;
    this.session?.onRepliesHeld?.(0);
    this.resume(PauseReason.WRITE_BLOCKED);
  }

  /** The sweeper's look at a connection whose replies wait: true when the socket has taken none of them for `timeoutMs`. */
  writeStalled(now: number, timeoutMs: number): boolean {
    return this.stalledSince !== 0 && now - this.stalledSince > timeoutMs;
  }

  pause(reason: number): void {
    // An ending connection reads on (end()): nothing it sends is served.
    if (this.#closing) return;
    if (this.#paused === 0) this.socket.pause();
    this.#paused |= reason;
  }

  resume(reason: number): void {
    if ((this.#paused & reason) === 0) return;
    this.#paused &= ~reason;
    if (this.#paused === 0 && !this.#closed) this.socket.resume();
  }

  /**
   * Closes after everything queued so far has been written. The socket is
   * read on, and what arrives dropped (onSocketData): unread input would
   * make the kernel answer RST, which can destroy the last replies before
   * the client reads them, and the client's own FIN is only seen by
   * reading. A client that does not close is destroyed by the sweeper
   * CLOSE_LINGER_MS later, so an ended connection never holds its slot.
   */
  end(): void {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    this.closingSince = coarseClock.now;
    this.#paused = 0;
    this.socket.resume();
    // Queued replies go first: flush() or the backlog's last piece ends the socket.
    if (!this.#queued && this.#backlogBytes === 0) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
