import { OutriggerError } from '../errors/error.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting trial calls through. */
  resetTimeoutMs: number;
  /** Trial calls allowed at once while half-open; the rest are refused. */
  halfOpenMax: number;
  /**
   * Which errors count against the backend. Errors the caller caused (bad
   * input, a missing topic) say nothing about the backend's health, so they
   * pass through without opening the circuit. Default: every error counts.
   */
  isFailure?: (err: unknown) => boolean;
  /** Injected for tests. */
  now?: () => number;
}

export interface CircuitOpenData {
  backend: string;
  /** Milliseconds until trial calls are let through again (0 while half-open). */
  retryInMs: number;
  /** Code and message of the failure that opened the circuit. */
  lastError: { code: string; message: string } | null;
}

const DEFAULTS: CircuitBreakerOptions = { failureThreshold: 5, resetTimeoutMs: 5000, halfOpenMax: 1 };

/**
 * Fails calls to a backend fast once it has failed `failureThreshold` times
 * in a row, instead of letting every caller wait out its own timeout. After
 * `resetTimeoutMs` it lets up to `halfOpenMax` trial calls through: one
 * success closes the circuit, one failure opens it again. Refusals throw
 * CIRCUIT_OPEN with the backend's name in `data`.
 */
export class CircuitBreaker {
  readonly options: CircuitBreakerOptions;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trials = 0;
  #lastError: CircuitOpenData['lastError'] = null;
  /** Counters for status pages. */
  failures = 0;
  successes = 0;
  /** Calls refused with CIRCUIT_OPEN. */
  rejected = 0;
  /** Times the circuit opened. */
  opens = 0;

  constructor(
    readonly backend: string,
    options: Partial<CircuitBreakerOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    if (this.options.failureThreshold < 1) throw new RangeError('failureThreshold must be at least 1');
    if (this.options.halfOpenMax < 1) throw new RangeError('halfOpenMax must be at least 1');
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.options.resetTimeoutMs) {
      this.#state = 'half-open';
      this.#trials = 0;
    }
    return this.#state;
  }

  /** Consecutive counted failures so far (resets on success). */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Throws CIRCUIT_OPEN if a call would be refused now, without starting one. */
  check(): void {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.#trials >= this.options.halfOpenMax)) {
      this.rejected++;
      throw this.openError();
    }
  }

  async call<T>(fn: () => Promise<T> | T): Promise<T> {
    this.check();
    const trial = this.#state === 'half-open';
    if (trial) this.#trials++;
    try {
      const result = await fn();
      this.recordSuccess();
      return result;
    } catch (err) {
      this.recordFailure(err);
      throw err;
    } finally {
      if (trial) this.#trials = Math.max(0, this.#trials - 1);
    }
  }

  /** Records a success observed outside call() (e.g. a background reconnect). */
  recordSuccess(): void {
    this.successes++;
    this.#failures = 0;
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#lastError = null;
    }
  }

  /** Records a failure observed outside call(); errors `isFailure` rejects are ignored. */
  recordFailure(err?: unknown): void {
    if (err !== undefined && this.options.isFailure && !this.options.isFailure(err)) return;
    this.failures++;
    this.#failures++;
    if (err !== undefined) this.#lastError = describe(err);
    if (this.#state === 'half-open' || this.#failures >= this.options.failureThreshold) {
      if (this.#state !== 'open') this.opens++;
      this.#state = 'open';
      this.#openedAt = this.#now();
    }
  }

  snapshot(): {
    backend: string;
    state: CircuitState;
    consecutiveFailures: number;
    failures: number;
    successes: number;
    rejected: number;
    opens: number;
    retryInMs: number;
  } {
    const state = this.state;
    return {
      backend: this.backend,
      state,
      consecutiveFailures: this.#failures,
      failures: this.failures,
      successes: this.successes,
      rejected: this.rejected,
      opens: this.opens,
      retryInMs: this.#retryInMs(state),
    };
  }

  /** The error a refused call gets (exposed so callers can fail fast before queueing work). */
  openError(): OutriggerError {
    const retryInMs = this.#retryInMs(this.state);
    const data: CircuitOpenData = { backend: this.backend, retryInMs, lastError: this.#lastError };
    const why = this.#lastError ? ` after ${this.#lastError.code}: ${this.#lastError.message}` : '';
    return new OutriggerError('CIRCUIT_OPEN', `${this.backend} is failing fast${why}; retry in ${retryInMs} ms`, data);
  }

  #retryInMs(state: CircuitState): number {
    return state === 'open' ? Math.max(0, this.options.resetTimeoutMs - (this.#now() - this.#openedAt)) : 0;
  }

  #now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : err.name, message: err.message };
  }
  return { code: 'ERROR', message: String(err) };
}
