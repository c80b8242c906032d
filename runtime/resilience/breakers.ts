/*
 * Every circuit breaker alive in this thread, so the runtime can report
 * their states without the feature code wiring anything: worker-main puts
 * `breakerSnapshots()` into each heartbeat, the main thread adds its own,
 * and /metrics and `outrigger status` show them. Weak references: a breaker
 * dropped with its connection disappears from reports after GC (or at once
 * through dispose()).
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSnapshot {
  backend: string;
  state: BreakerState;
  consecutiveFailures: number;
  failures: number;
  successes: number;
  /** Calls refused fast with CIRCUIT_OPEN. */
  rejected: number;
  /** Times the breaker went from closed/half-open to open. */
  opens: number;
  /** While open: milliseconds until a trial call is let through. */
  retryInMs: number;
}

export interface ReportsBreaker {
  snapshot(): BreakerSnapshot;
}

const live = new Set<WeakRef<ReportsBreaker>>();

export function trackBreaker(b: ReportsBreaker): WeakRef<ReportsBreaker> {
  const ref = new WeakRef(b);
  live.add(ref);
  return ref;
}

export function untrackBreaker(ref: WeakRef<ReportsBreaker>): void {
  live.delete(ref);
}

export function breakerSnapshots(): BreakerSnapshot[] {
  const out: BreakerSnapshot[] = [];
  for (const ref of live) {
    const b = ref.deref();
    if (b) out.push(b.snapshot());
    else live.delete(ref);
  }
  return out;
}

/** Numeric state for Prometheus: 0 closed, 1 open, 2 half-open, so the usual alert rule `circuit_breaker_state == 1` means open. */
export function breakerStateValue(s: BreakerState): number {
  return s === 'closed' ? 0 : s === 'open' ? 1 : 2;
}
