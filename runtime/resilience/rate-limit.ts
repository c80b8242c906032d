/*
 * Per-connection request rate limits for listeners: a token bucket per
 * connection, refilled continuously. A request
 * that finds the bucket empty is answered RATE_LIMITED at once and never
 * reaches an actor; the connection and its other requests are untouched.
 */
import type { SerializedError } from '../errors/error.ts';

export interface RateLimitSpec {
  /** Sustained requests per second per connection. */
  perSecond: number;
  /** Requests allowed in a burst above the sustained rate (bucket size). */
  burst: number;
}

export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #perMs: number;

  constructor(
    readonly spec: RateLimitSpec,
    now: number,
  ) {
    this.#tokens = spec.burst;
    this.#last = now;
    this.#perMs = spec.perSecond / 1000;
  }

  /** Takes one token; false when the bucket is empty. `now` in ms (Date.now()). */
  take(now: number): boolean {
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.spec.burst, this.#tokens + elapsed * this.#perMs);
      this.#last = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  /** Milliseconds until one token is available. */
  waitMs(now: number): number {
    const missing = 1 - (this.#tokens + (now - this.#last) * this.#perMs);
    return missing <= 0 ? 0 : Math.ceil(missing / this.#perMs);
  }
}

/**
 * One listener's limit: hands each new connection its bucket and counts
 * refusals for metrics. Sessions call `admit(bucket)` per request.
 */
export class ListenerRateLimit {
  rejected = 0;

  constructor(
    readonly listener: string,
    /** Replaced on hot reload; buckets handed out earlier keep the old spec. */
    public spec: RateLimitSpec,
  ) {}

  forConnection(): TokenBucket {
    return new TokenBucket(this.spec, Date.now());
  }

  /** Null when admitted; else the RATE_LIMITED error to answer with. */
  admit(bucket: TokenBucket): SerializedError | null {
    const now = Date.now();
    if (bucket.take(now)) return null;
    this.rejected++;
    return {
      code: 'RATE_LIMITED',
      message: `connection exceeds ${this.spec.perSecond} requests/s (burst ${this.spec.burst}) on listener '${this.listener}'`,
      data: { retryInMs: bucket.waitMs(now) },
    };
  }
}

/** Config form (burst optional) to the spec a bucket uses: burst defaults to one second's worth. */
export function toRateLimitSpec(cfg: { perSecond: number; burst?: number | undefined } | undefined): RateLimitSpec | undefined {
  if (!cfg) return undefined;
  return { perSecond: cfg.perSecond, burst: cfg.burst ?? Math.max(1, Math.ceil(cfg.perSecond)) };
}
