/*
 * Per-request counters and latency histograms, fed by the router's onSettled
 * hook on the main thread. This is the one metrics cost every request pays,
 * so it avoids prom-client's per-observe label validation and hashing: each
 * (listener, method) pair gets a cell once, found by two Map lookups, and the
 * samples are only built when /metrics is scraped. bench/ops measures it.
 */
import { BucketCounts, histogramValues, LATENCY_BUCKETS_S, type MetricValue } from '../stats/buckets.ts';
import { collected, type Registry } from './registry.ts';
import type { Pending } from '../router/pending.ts';

/** Label used for methods no route serves, so random names cannot grow the series count. */
export const UNKNOWN_METHOD_LABEL = '(unknown)';

class Cell {
  ok = 0;
  readonly failed = new Map<string, number>();
  readonly latency = new BucketCounts(LATENCY_BUCKETS_S);
  constructor(
    readonly listener: string,
    readonly method: string,
  ) {}
}

/** Where a request came from: the session's listener name (see ReplySink.listener). */
export function listenerOf(p: Pending): string {
  const sink = p.sink as { listener?: string; conn?: { listener?: string } };
  return sink.listener ?? sink.conn?.listener ?? 'internal';
}

export class RequestMetrics {
  readonly #byListener = new Map<string, Map<string, Cell>>();
  readonly #asyncTimeouts = new Map<string, number>();

  /** `isMethod` says whether a name is routable; only such names become label values. */
  constructor(readonly isMethod: (method: string) => boolean) {}

  record(p: Pending, outcome: string, durationMs: number): void {
    const listener = listenerOf(p);
    let methods = this.#byListener.get(listener);
    if (!methods) {
      methods = new Map();
      this.#byListener.set(listener, methods);
    }
    let cell = methods.get(p.method);
    if (!cell) cell = this.#newCell(methods, listener, p.method);
    if (outcome === 'ok') cell.ok++;
    else {
      cell.failed.set(outcome, (cell.failed.get(outcome) ?? 0) + 1);
      if (outcome === 'TIMEOUT' && (p.token as { async?: boolean } | null)?.async === true) {
        this.#asyncTimeouts.set(listener, (this.#asyncTimeouts.get(listener) ?? 0) + 1);
      }
    }
    cell.latency.observe(durationMs / 1000);
  }

  #newCell(methods: Map<string, Cell>, listener: string, method: string): Cell {
    if (this.isMethod(method)) {
      const cell = new Cell(listener, method);
      methods.set(method, cell);
      return cell;
    }
    let unknown = methods.get(UNKNOWN_METHOD_LABEL);
    if (!unknown) {
      unknown = new Cell(listener, UNKNOWN_METHOD_LABEL);
      methods.set(UNKNOWN_METHOD_LABEL, unknown);
    }
    return unknown;
  }

  *cells(): Iterable<Cell> {
    for (const methods of this.#byListener.values()) {
      yield* methods.values();
    }
  }

  asyncTimeouts(listener: string): number {
    return this.#asyncTimeouts.get(listener) ?? 0;
  }

  register(reg: Registry, listeners: () => string[]): void {
    collected(
      {
        name: 'outrigger_requests_total',
        help: 'Requests settled, by listener, method and outcome (ok or the error code).',
        type: 'counter',
        collect: () => {
          const out: MetricValue[] = [];
          for (const c of this.cells()) {
            if (c.ok > 0 || c.failed.size === 0) out.push({ labels: { listener: c.listener, method: c.method, outcome: 'ok' }, value: c.ok });
            for (const [code, n] of c.failed) out.push({ labels: { listener: c.listener, method: c.method, outcome: code }, value: n });
          }
          return out;
        },
      },
      reg,
    );
    collected(
      {
        name: 'outrigger_request_duration_seconds',
        help: 'Time from dispatch to reply (or error), by listener and method.',
        type: 'histogram',
        collect: () => {
          const out: MetricValue[] = [];
          for (const c of this.cells()) {
            const h = c.latency;
            out.push(...histogramValues('outrigger_request_duration_seconds', { listener: c.listener, method: c.method }, h.bounds, h.counts, h.sum, h.count));
          }
          return out;
        },
      },
      reg,
    );
    collected(
      {
        name: 'ipc_async_timeout',
        help: 'Async requests (answered by id) whose deadline passed before the reply, by listener (named as the binary IPC protocol design names it).',
        type: 'counter',
        collect: () => listeners().map((l) => ({ labels: { listener: l }, value: this.asyncTimeouts(l) })),
      },
      reg,
    );
  }
}
