/** The bounds every session of a listener works within (config: `listeners.<name>` and `requests`). */
export interface SessionLimits {
  /** Largest frame (or line) a client may send; larger is refused before it is buffered. */
  maxFrameBytes: number;
  maxInflightPerConnection: number;
  /** Bytes of requests in flight on one connection at which reading pauses (a request is never refused for its size here). */
  maxInflightBytesPerConnection: number;
  /** pause: stop reading a socket at a bound; reject: answer BUSY. */
  overflow: 'pause' | 'reject';
  /** A frame that started arriving must be complete within this time, or the connection is closed. */
  readTimeoutMs: number;
  /** Replies a client takes none of for this long close the connection. */
  writeTimeoutMs: number;
  /** A connection with nothing in flight and nothing read for this long is closed (0: never). */
  idleTimeoutMs: number;
  /** Malformed frames or requests in a row after which the connection is closed. */
  maxConsecutiveErrors: number;
}
