/*
 * Circuit breaker per backend (a Kafka cluster connection, a Modbus device,
 * an ES cluster). Dependency-free and timer-free: the open -> half-open step
 * is decided when the next call or state read happens, so a breaker holds no
 * handle that keeps a worker alive.
 *
 *   closed --(failureThreshold consecutive failures)--> open
 *   open --(resetTimeoutMs elapsed)--> half-open: up to halfOpenMax trial calls at once
 *   half-open --(successThreshold successes)--> closed;  --(any failure)--> open
 *
 * Calls refused while open fail fast with CIRCUIT_OPEN, data { backend, retryInMs }.
 */
import { OutriggerError } from '../errors/error.ts';
import { type BreakerSnapshot, type BreakerState, trackBreaker, untrackBreaker } from './breakers.ts';

export type { BreakerState };

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before trial calls. Default 30 000 ms. */
  resetTimeoutMs?: number;
  /** Trial calls allowed at once while half-open. Default 1. */
  halfOpenMax?: number;
  /** Successful trial calls that close the circuit again. Default 1. */
  successThreshold?: number;
  /** Which errors count against the backend; default every error except the caller's own abort. */
  isFailure?: (err: unknown) => boolean;
  onStateChange?: (state: BreakerState, previous: BreakerState) => void;
  now?: () => number;
}

export interface NamedCircuitBreakerOptions extends CircuitBreakerOptions {
  /** Backend name, reported in CIRCUIT_OPEN errors, metrics and status. */
  name: string;
}

function defaultIsFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // The caller gave up (deadline, cancellation) or sent bad input: not the backend's fault.
  return code !== 'ABORT_ERR' && code !== 'INVALID_PARAMS' && code !== 'CIRCUIT_OPEN';
}

export class CircuitBreaker {
  readonly name: string;
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  readonly halfOpenMax: number;
  readonly successThreshold: number;
  readonly #isFailure: (err: unknown) => boolean;
  readonly #onStateChange: ((s: BreakerState, p: BreakerState) => void) | undefined;
  readonly #now: () => number;
  readonly #ref: WeakRef<CircuitBreaker>;
  #state: BreakerState = 'closed';
  #openedAt = 0;
  #consecutiveFailures = 0;
  #trials = 0;
  #trialSuccesses = 0;
  failures = 0;
  successes = 0;
  rejected = 0;
  opens = 0;

  /** `new CircuitBreaker('kafka:main', opts)` or `new CircuitBreaker({ name, ...opts })`. */
  constructor(nameOrOptions: string | NamedCircuitBreakerOptions, options: CircuitBreakerOptions = {}) {
    const o: NamedCircuitBreakerOptions =
      typeof nameOrOptions === 'string' ? { ...options, name: nameOrOptions } : nameOrOptions;
    this.name = o.name;
    this.failureThreshold = positive(o.failureThreshold ?? 5, 'failureThreshold');
    this.resetTimeoutMs = positive(o.resetTimeoutMs ?? 30_000, 'resetTimeoutMs');
    this.halfOpenMax = positive(o.halfOpenMax ?? 1, 'halfOpenMax');
    this.successThreshold = positive(o.successThreshold ?? 1, 'successThreshold');
    this.#isFailure = o.isFailure ?? defaultIsFailure;
    this.#onStateChange = o.onStateChange;
    this.#now = o.now ?? Date.now;
    this.#ref = trackBreaker(this) as WeakRef<CircuitBreaker>;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.resetTimeoutMs) this.#move('half-open');
    return this.#state;
  }

  /** Runs fn through the breaker; refuses at once with CIRCUIT_OPEN while open. */
  async call<T>(fn: () => T | Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.#trials >= this.halfOpenMax)) {
      this.rejected++;
      throw this.openError();
    }
    const trial = state === 'half-open';
    if (trial) this.#trials++;
    try {
      const value = await fn();
      this.#onSuccess(trial);
      return value;
    } catch (err) {
      if (this.#isFailure(err)) this.#onFailure(trial);
      else if (trial) this.#trials--;
      throw err;
    }
  }

  /** For callers that do their own I/O bookkeeping: record an outcome without call(). */
  recordSuccess(): void {
    this.#onSuccess(false);
  }

  recordFailure(): void {
    this.#onFailure(this.#state === 'half-open');
  }

  /** The error a refused call gets (exposed so callers can fail fast before queueing work). */
  openError(): OutriggerError {
    const retryInMs = this.#state === 'open' ? Math.max(0, this.resetTimeoutMs - (this.#now() - this.#openedAt)) : 0;
    return new OutriggerError('CIRCUIT_OPEN', `circuit breaker for '${this.name}' is open; retry in ${retryInMs} ms`, {
      backend: this.name,
      retryInMs,
    });
  }

  #onSuccess(trial: boolean): void {
    this.successes++;
    this.#consecutiveFailures = 0;
    if (trial) {
      this.#trials--;
      this.#trialSuccesses++;
      if (this.#trialSuccesses >= this.successThreshold) this.#move('closed');
    }
  }

  #onFailure(trial: boolean): void {
    this.failures++;
    this.#consecutiveFailures++;
    if (trial) this.#trials--;
    if (this.#state === 'half-open' || (this.#state === 'closed' && this.#consecutiveFailures >= this.failureThreshold)) {
      this.#move('open');
    }
  }

  #move(next: BreakerState): void {
    const prev = this.#state;
    if (prev === next) return;
    this.#state = next;
    this.#trials = 0;
    this.#trialSuccesses = 0;
    if (next === 'open') {
      this.#openedAt = this.#now();
      this.opens++;
    }
    if (next === 'closed') this.#consecutiveFailures = 0;
    this.#onStateChange?.(next, prev);
  }

  snapshot(): BreakerSnapshot {
    const state = this.state;
    return {
      backend: this.name,
      state,
      consecutiveFailures: this.#consecutiveFailures,
      failures: this.failures,
      successes: this.successes,
      rejected: this.rejected,
      opens: this.opens,
      retryInMs: state === 'open' ? Math.max(0, this.resetTimeoutMs - (this.#now() - this.#openedAt)) : 0,
    };
  }

  /** Stops reporting this breaker (its backend was removed). */
  dispose(): void {
    untrackBreaker(this.#ref);
  }
}

function positive(n: number, field: string): number {
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`CircuitBreaker ${field} must be a positive number, got ${n}`);
  return n;
}
