/*
 * Server spans for requests, exported over OTLP/HTTP JSON when
 * `tracing.otlpEndpoint` is set. A traced request gets a span of its own;
 * the worker then sees that span's traceparent (call.traceparent), so the
 * Kafka/ES spans the actors start hang under it: PHP -> Outrigger -> Kafka ->
 * consumer is one trace. Unsampled and untraced requests cost one property
 * read. Export is batched off the request path; when the collector is slow
 * or down, spans beyond `maxQueue` are dropped and counted, never buffered
 * without bound.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config/ops-schema.ts';
import type { Pending } from '../router/pending.ts';
import { listenerOf } from '../metrics/request-metrics.ts';
import { encodeTraceExport, type FinishedSpan, SpanKind, StatusCode } from './otlp.ts';
import { childSpan, parseTraceparent } from './traceparent.ts';

interface OpenSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  startNs: bigint;
}

const BATCH = 512;
// performance.timeOrigin + now() gives epoch time with sub-ms resolution.
const nowNs = (): bigint => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));

export class RequestTracer {
  readonly #queue: FinishedSpan[] = [];
  readonly #timer: NodeJS.Timeout;
  #exporting: Promise<void> | null = null;
  exported = 0;
  dropped = 0;
  failures = 0;
  lastError: string | null = null;
  #lastWarn = 0;
  readonly #url: string;
  readonly #headers: Record<string, string>;

  constructor(
    readonly cfg: TracingConfig & { otlpEndpoint: string },
    readonly version: string,
    readonly log: Logger,
  ) {
    // fetch refuses URLs with credentials: user:pass@ becomes a Basic authorization header.
    const url = new URL(cfg.otlpEndpoint);
    const auth = url.username ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : null;
    url.username = '';
    url.password = '';
    this.#url = url.href;
    this.#headers = { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}), ...cfg.headers };
    this.#timer = setInterval(() => void this.flush(), cfg.exportIntervalMs);
    this.#timer.unref();
  }

  /** router.onDispatch: opens a span for sampled requests and hands the worker its traceparent. */
  onDispatch(p: Pending): void {
    const incoming = parseTraceparent(p.traceparent);
    const sampled = incoming ? incoming.sampled : this.cfg.sampleRatio > 0 && Math.random() < this.cfg.sampleRatio;
    if (!sampled) return;
    const span = childSpan(incoming ? p.traceparent : undefined, true);
    p.traceparent = span.traceparent;
    p.traceSpan = { traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId, startNs: nowNs() } satisfies OpenSpan;
  }

  /** router.onSettled: closes the request's span. */
  onSettled(p: Pending, outcome: string, durationMs: number): void {
    const open = p.traceSpan as OpenSpan | null;
    if (!open) return;
    p.traceSpan = null;
    if (this.#queue.length >= this.cfg.maxQueue) {
      this.dropped++;
      return;
    }
    this.#queue.push({
      traceId: open.traceId,
      spanId: open.spanId,
      parentSpanId: open.parentSpanId,
      name: p.method,
      kind: SpanKind.SERVER,
      startNs: open.startNs,
      endNs: open.startNs + BigInt(Math.round(durationMs * 1e6)),
      attributes: { 'rpc.system': 'outrigger', 'rpc.method': p.method, 'outrigger.listener': listenerOf(p), 'outrigger.outcome': outcome },
      status: outcome === 'ok' ? { code: StatusCode.OK } : { code: StatusCode.ERROR, message: outcome },
    });
    if (this.#queue.length >= BATCH && !this.#exporting) void this.flush();
  }

  /** Sends what is queued; one export at a time. */
  flush(): Promise<void> {
    if (this.#exporting) return this.#exporting;
    if (this.#queue.length === 0) return Promise.resolve();
    this.#exporting = this.#exportAll().finally(() => {
      this.#exporting = null;
    });
    return this.#exporting;
  }

  async #exportAll(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, BATCH);
      const body = encodeTraceExport({ serviceName: this.cfg.serviceName, serviceVersion: this.version }, batch);
      try {
        const res = await fetch(this.#url, {
          method: 'POST',
          headers: this.#headers,
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        this.exported += batch.length;
      } catch (err) {
        this.failures++;
        this.dropped += batch.length;
        this.lastError = (err as Error).message;
        if (Date.now() - this.#lastWarn > 60_000) {
          this.#lastWarn = Date.now();
          this.log.warn({ err: this.lastError, spans: batch.length }, 'trace export failed; spans dropped');
        }
        return;
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
