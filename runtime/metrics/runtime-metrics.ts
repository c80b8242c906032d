/*
 * The runtime's own metrics for one daemon: listeners, requests, actors,
 * workers, circuit breakers. Everything except the per-request cells
 * (request-metrics.ts) is computed when /metrics is scraped, from state the
 * runtime keeps anyway, so it costs nothing between scrapes.
 */
import type { ActorRuntime } from '../actor/runtime.ts';
import type { DaemonView } from './daemon-view.ts';
import { ActorStatsTracker } from './actor-stats.ts';
import { histogramValues, type MetricValue } from '../stats/buckets.ts';
import { suppressedLines } from '../log.ts';
import { readiness } from './probes.ts';
import { type CollectedMetricSpec, Registry, collected } from './registry.ts';
import { RemoteMetrics } from './remote.ts';
import { RequestMetrics } from './request-metrics.ts';
import { type BreakerSnapshot, breakerSnapshots, breakerStateValue } from '../resilience/breakers.ts';

export interface LabelledBreaker extends BreakerSnapshot {
  actor: string;
  worker: number;
}

/** Every breaker the daemon knows of: main-thread ones and those in worker heartbeats. */
export function allBreakers(d: DaemonView): LabelledBreaker[] {
  const out: LabelledBreaker[] = breakerSnapshots().map((b) => ({ ...b, actor: 'main', worker: 0 }));
  for (const h of d.hosts.values()) {
    for (const s of h.snapshot().workers) for (const b of s.stats?.breakers ?? []) out.push({ ...b, actor: h.name, worker: s.index });
  }
  return out;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly requests: RequestMetrics;
  readonly actorStats = new ActorStatsTracker();
  readonly remote: RemoteMetrics;
  readonly #names = new Set<string>();

  constructor(readonly daemon: DaemonView) {
    this.requests = new RequestMetrics((m) => daemon.router.lookup(m) !== undefined);
    this.requests.register(this.registry, () => this.#listenerNames());
    this.#registerRuntime();
    for (const n of ['outrigger_requests_total', 'outrigger_request_duration_seconds', 'ipc_async_timeout']) this.#names.add(n);
    this.remote = new RemoteMetrics(this.registry, daemon.log, (name) => this.#names.has(name) || name.startsWith('outrigger_actor_'));
    for (const h of daemon.hosts.values()) this.actorStats.attach(h);
  }

  #listenerNames(): string[] {
    return [...new Set(this.daemon.listeners.map((l) => l.name))];
  }

  #add(spec: CollectedMetricSpec): void {
    this.#names.add(spec.name);
    collected(spec, this.registry);
  }

  #perListener(name: string, help: string, type: 'counter' | 'gauge', value: (l: DaemonView['listeners'][number]) => number): void {
    this.#add({
      name,
      help,
      type,
      collect: () => {
        const sums = new Map<string, number>();
        for (const l of this.daemon.listeners) sums.set(l.name, (sums.get(l.name) ?? 0) + value(l));
        return [...sums].map(([listener, v]) => ({ labels: { listener }, value: v }));
      },
    });
  }

  #perActor(name: string, help: string, type: 'counter' | 'gauge', value: (h: ActorRuntime) => number): void {
    this.#add({
      name,
      help,
      type,
      collect: () => [...this.daemon.hosts.values()].map((h) => ({ labels: { actor: h.name }, value: value(h) })),
    });
  }

  #registerRuntime(): void {
    const d = this.daemon;
    const r = d.router;
    this.#add({
      name: 'outrigger_info',
      help: 'Constant 1, labelled with the Outrigger and Node.js versions.',
      type: 'gauge',
      collect: () => [{ labels: { version: d.version, node: process.version }, value: 1 }],
    });
    this.#add({ name: 'outrigger_start_time_seconds', help: 'Daemon start, Unix time.', type: 'gauge', collect: () => [{ labels: {}, value: d.startedAt / 1000 }] });
    this.#add({ name: 'outrigger_ready', help: '1 when /readyz answers ready, else 0.', type: 'gauge', collect: () => [{ labels: {}, value: readiness(d).ready ? 1 : 0 }] });
    this.#add({ name: 'outrigger_draining', help: '1 while the daemon drains for shutdown.', type: 'gauge', collect: () => [{ labels: {}, value: r.draining ? 1 : 0 }] });
    this.#add({ name: 'outrigger_config_reloads_total', help: 'Config reloads, by result (applied, rejected, failed).', type: 'counter',
      collect: () => Object.entries(d.reloadCounts).map(([result, n]) => ({ labels: { result }, value: n })) });

    this.#perListener('outrigger_listener_connections', 'Open client connections.', 'gauge', (l) => l.connections.size);
    this.#perListener('outrigger_listener_connections_accepted_total', 'Connections accepted.', 'counter', (l) => l.accepted);
    this.#perListener('outrigger_listener_connections_refused_total', 'Connections refused (listener or total connection limit, CIDR allow-list).', 'counter', (l) => l.refusedTotal);
    this.#add({
      name: 'outrigger_connections_closed_total',
      help: 'Connections the daemon closed, by reason (read_timeout, write_timeout, memory, idle, errors, auth_failures).',
      type: 'counter',
      collect: () =>
        d.listeners.flatMap((l) => {
          const c = d.sessionStats(l)?.closed;
          if (!c) return [];
          return [
            { labels: { listener: l.name, reason: 'read_timeout' }, value: c.readTimeout },
            { labels: { listener: l.name, reason: 'write_timeout' }, value: c.writeTimeout },
            { labels: { listener: l.name, reason: 'memory' }, value: c.memory },
            { labels: { listener: l.name, reason: 'idle' }, value: c.idle },
            { labels: { listener: l.name, reason: 'errors' }, value: c.errors },
            { labels: { listener: l.name, reason: 'auth_failures' }, value: c.authFailures },
          ];
        }),
    });
    this.#perListener('outrigger_malformed_requests_total', 'Malformed frames, lines or requests received.', 'counter', (l) => d.sessionStats(l)?.malformed ?? 0);
    this.#add({
      name: 'outrigger_log_lines_suppressed_total',
      help: 'Repetitive log lines left out by their per-kind rate limit, by kind.',
      type: 'counter',
      collect: () => [...suppressedLines].map(([key, value]) => ({ labels: { key }, value })),
    });
    this.#add({ name: 'outrigger_buffered_bytes', help: 'Bytes held for frames still arriving, all connections (limits.maxBufferedBytes caps it).', type: 'gauge', collect: () => [{ labels: {}, value: d.budget.used }] });
    this.#add({
      name: 'outrigger_inflight_bytes',
      help: 'Bytes of requests in flight and of replies clients have not read, all connections (limits.maxInflightBytes caps it).',
      type: 'gauge',
      collect: () => [{ labels: {}, value: d.inflightBudget.used }],
    });
    this.#add({ name: 'outrigger_requests_forbidden_total', help: 'Requests refused FORBIDDEN by their method policy.', type: 'counter', collect: () => [{ labels: {}, value: r.stats.forbidden }] });
    this.#perListener('outrigger_listener_max_connections', 'Configured connection limit.', 'gauge', (l) => l.spec.maxConnections);
    this.#perListener('outrigger_rate_limited_total', 'Requests answered RATE_LIMITED by the per-connection limit.', 'counter', (l) => l.rateLimit?.rejected ?? 0);
    this.#perListener('ipc_async_pending', 'Async requests (answered by id) awaiting their reply, by listener (named as the binary IPC protocol design names it).', 'gauge', (l) => {
      let n = 0;
      for (const c of l.connections) n += (c.session as { asyncPending?: number } | null)?.asyncPending ?? 0;
      return n;
    });

    this.#add({ name: 'outrigger_requests_inflight', help: 'Requests dispatched and not yet answered.', type: 'gauge', collect: () => [{ labels: {}, value: r.inflight }] });
    this.#add({
      name: 'outrigger_request_errors_total',
      help: 'Requests that ended in an error, by error code (docs/errors.md).',
      type: 'counter',
      collect: () => [...r.stats.errorsByCode].map(([code, n]) => ({ labels: { code }, value: n })),
    });
    this.#add({ name: 'outrigger_request_timeouts_total', help: 'Requests whose deadline passed (all listeners).', type: 'counter', collect: () => [{ labels: {}, value: r.stats.timeouts }] });
    this.#add({ name: 'outrigger_late_replies_total', help: 'Actor replies that arrived after their request had timed out.', type: 'counter', collect: () => [{ labels: {}, value: r.stats.lateReplies }] });
    this.#add({ name: 'outrigger_orphan_replies_total', help: 'Replies dropped because the client connection had closed.', type: 'counter', collect: () => [{ labels: {}, value: r.stats.orphanReplies }] });

    this.#perActor('outrigger_actor_queue_depth', 'Requests queued or running in the actor (main-thread view).', 'gauge', (h) => h.outstanding);
    this.#perActor('outrigger_actor_queue_limit', 'maxQueue of the actor: depth at which backpressure applies.', 'gauge', (h) => h.queueLimit);
    this.#perActor('outrigger_actor_worker_restarts_total', 'Workers replaced after a crash or hang.', 'counter', (h) => h.restartsTotal);
    this.#perActor('outrigger_actor_running', 'Handlers running inside the workers (last heartbeat).', 'gauge', (h) => h.snapshot().workers.reduce((n, s) => n + (s.stats?.running ?? 0), 0));
    this.#perActor('outrigger_actor_worker_queued', 'Requests waiting inside workers for a concurrency slot (last heartbeat).', 'gauge', (h) => h.snapshot().workers.reduce((n, s) => n + (s.stats?.queued ?? 0), 0));
    this.#add({
      name: 'outrigger_actor_workers',
      help: 'Worker slots by state (idle: a lazy actor not started yet, starting, ready, backoff, closing, closed).',
      type: 'gauge',
      collect: () => {
        const out: MetricValue[] = [];
        for (const h of d.hosts.values()) {
          const counts = new Map<string, number>([['ready', 0]]);
          for (const s of h.snapshot().workers) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
          for (const [state, n] of counts) out.push({ labels: { actor: h.name, state }, value: n });
        }
        return out;
      },
    });
    this.#add({
      name: 'outrigger_actor_worker_heap_bytes',
      help: 'V8 heap used by each worker thread (last heartbeat).',
      type: 'gauge',
      collect: () => [...d.hosts.values()].flatMap((h) => h.snapshot().workers.filter((s) => s.stats).map((s) => ({ labels: { actor: h.name, worker: s.index }, value: s.stats!.heapUsed }))),
    });
    const totals = (): ReturnType<ActorStatsTracker['totals']> => this.actorStats.totals(d.hosts.values());
    this.#add({ name: 'outrigger_actor_handled_total', help: 'Requests handlers completed (ok or error), over worker restarts.', type: 'counter',
      collect: () => [...totals()].map(([actor, t]) => ({ labels: { actor }, value: t.handled })) });
    this.#add({ name: 'outrigger_actor_failed_total', help: 'Requests whose handler threw.', type: 'counter',
      collect: () => [...totals()].map(([actor, t]) => ({ labels: { actor }, value: t.failed })) });
    this.#add({ name: 'outrigger_actor_abandoned_total', help: 'Requests cancelled (timed out) while their handler was still running.', type: 'counter',
      collect: () => [...totals()].map(([actor, t]) => ({ labels: { actor }, value: t.abandoned })) });
    for (const [name, pick, help] of [
      ['outrigger_actor_run_seconds', 'run', 'Handler run time inside the worker.'],
      ['outrigger_actor_wait_seconds', 'wait', 'Time a request waited inside the worker before its handler started.'],
    ] as const) {
      this.#add({
        name,
        help,
        type: 'histogram',
        collect: () => [...totals()].flatMap(([actor, t]) => histogramValues(name, { actor }, t[pick].bounds, t[pick].counts, t[pick].sum, t[pick].count)),
      });
    }

    this.#add({
      name: 'outrigger_circuit_breaker_state',
      help: 'Circuit breaker state per backend: 0 closed, 1 open, 2 half-open.',
      type: 'gauge',
      aggregator: 'max',
      collect: () => allBreakers(d).map((b) => ({ labels: { actor: b.actor, worker: b.worker, backend: b.backend }, value: breakerStateValue(b.state) })),
    });
    this.#add({
      name: 'outrigger_circuit_breaker_opens_total',
      help: 'Times a breaker opened (since its worker started).',
      type: 'counter',
      collect: () => allBreakers(d).map((b) => ({ labels: { actor: b.actor, worker: b.worker, backend: b.backend }, value: b.opens })),
    });
    this.#add({
      name: 'outrigger_circuit_breaker_rejected_total',
      help: 'Calls refused fast with CIRCUIT_OPEN (since the worker started).',
      type: 'counter',
      collect: () => allBreakers(d).map((b) => ({ labels: { actor: b.actor, worker: b.worker, backend: b.backend }, value: b.rejected })),
    });
  }
}
