/*
 * Wires the operations layer into a daemon: request metrics and tracing on
 * the router hooks, actor metric snapshots, the /metrics + /healthz + /readyz
 * endpoint, the config file watcher, and the 'ops' section of status.
 */
import type { TracingConfig } from '../config/ops-schema.ts';
import { DaemonMetrics, allBreakers } from '../metrics/runtime-metrics.ts';
import { OpsHttpServer } from '../metrics/http-server.ts';
import { readiness } from '../metrics/probes.ts';
import { collectProcessMetrics, collected, exposition, sharedRegistry } from '../metrics/registry.ts';
import { repeatLimit } from '../log.ts';
import { scrubLabelValue } from '../security/redact.ts';
import { RequestTracer } from '../tracing/tracer.ts';
import { watchConfigFile } from './config-reload.ts';
import type { DaemonHandle as Daemon } from './handle.ts';

function makeTracer(d: Daemon, cfg: TracingConfig): RequestTracer | null {
  if (!cfg.otlpEndpoint) return null;
  return new RequestTracer({ ...cfg, otlpEndpoint: cfg.otlpEndpoint }, d.version, d.log.child({ component: 'tracing' }));
}

export async function startOps(d: Daemon): Promise<void> {
  const c = d.config;
  let tracer = makeTracer(d, c.tracing);
  const metrics = c.metrics.enabled ? new DaemonMetrics(d) : null;

  const requests = metrics?.requests ?? null;
  d.router.onSettled = (p, outcome, ms) => {
    requests?.record(p, outcome, ms);
    if (p.traceSpan !== null) tracer?.onSettled(p, outcome, ms);
    // A handler that made a result too large to send is a bug or a request for too much: say which method.
    if (outcome === 'REPLY_TOO_LARGE') {
      repeatLimit.log('reply too large', (suppressed) =>
        d.log.warn({ method: p.method, maxReplyBytes: d.router.opts.maxReplyBytes, suppressed }, 'a result larger than requests.maxReplyBytes was dropped; REPLY_TOO_LARGE answered'),
      );
    }
  };
  const wireTracer = (): void => {
    const t = tracer;
    d.router.onDispatch = t ? (p) => t.onDispatch(p) : null;
  };
  wireTracer();

  d.onReload(async (next, prev) => {
    if (JSON.stringify(next.tracing) === JSON.stringify(prev.tracing)) return;
    const old = tracer;
    tracer = makeTracer(d, next.tracing);
    wireTracer();
    await old?.close();
  });

  let http: OpsHttpServer | null = null;
  if (metrics) {
    collectProcessMetrics();
    d.events.on('publish', (actor, topic, data, host) => {
      if (topic === 'metrics') metrics.remote.receive(data, actor, host);
    });
    d.events.on('actor-started', (h) => metrics.actorStats.attach(h));
    d.events.on('actor-stopped', (h) => metrics.remote.retireHost(h.name, h));
    for (const [name, help, pick] of [
      ['outrigger_trace_spans_exported_total', 'Spans accepted by the OTLP collector.', (t: RequestTracer) => t.exported],
      ['outrigger_trace_spans_dropped_total', 'Spans dropped (export failed or queue full).', (t: RequestTracer) => t.dropped],
      ['outrigger_trace_export_failures_total', 'Failed OTLP export requests.', (t: RequestTracer) => t.failures],
    ] as const) {
      collected({ name, help, type: 'counter', collect: () => [{ labels: {}, value: tracer ? pick(tracer) : 0 }] }, metrics.registry);
    }
    http = new OpsHttpServer({
      host: c.metrics.http.host,
      port: c.metrics.http.port,
      allow: c.metrics.http.allow,
      metrics: () => exposition([sharedRegistry, metrics.registry]),
      readiness: () => readiness(d),
      live: () => ({ pid: process.pid, uptimeSec: Math.round((Date.now() - d.startedAt) / 1000), state: d.router.draining ? 'draining' : 'running' }),
      log: d.log,
    });
    const url = await http.listen();
    d.log.info({ url }, 'metrics and health endpoint listening');
  }

  if (c.reload.watch) watchConfigFile(d, c.reload.debounceMs);

  // Scrubbed with every section (daemon.status): breaker names and exporter errors come from feature code and may carry URLs.
  d.addStatusSection('ops', () => {
    const r = readiness(d);
    return {
      metricsUrl: http?.url ?? null,
      ready: r.ready,
      notReadyReasons: r.reasons,
      rateLimited: Object.fromEntries(d.listeners.filter((l) => l.rateLimit).map((l) => [l.name, l.rateLimit!.rejected])),
      breakers: allBreakers(d),
      reload: { ...d.reloadCounts, last: d.lastReload },
      tracing: tracer
        ? { endpoint: scrubLabelValue(tracer.cfg.otlpEndpoint), exported: tracer.exported, dropped: tracer.dropped, failures: tracer.failures, lastError: tracer.lastError }
        : null,
    };
  });

  d.onExit(async () => {
    await tracer?.close();
    await http?.close();
  });
}
