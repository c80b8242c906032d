/** The bounds every session of a listener works within (config: `listeners.<name>` and `requests`). */
export interface SessionLimits {
  /** Largest frame (or line) a client may send; larger is refused before it is buffered. */
  maxFrameBytes: number;
  maxInflightPerConnection: number;
  /** pause: stop reading a socket at a bound; reject: answer BUSY. */
  overflow: 'pause' | 'reject';
  /** A frame that started arriving must be complete within this time, or the connection is closed. */
  readTimeoutMs: number;
  /** A connection with nothing in flight and nothing read for this long is closed (0: never). */
  idleTimeoutMs: number;
  /** Malformed frames or requests in a row after which the connection is closed. */
  maxConsecutiveErrors: number;
}
