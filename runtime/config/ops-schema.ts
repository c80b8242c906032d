/*
 * Config for the operations layer: the metrics/health HTTP endpoint,
 * tracing export, hot reload and per-connection rate limits. Referenced
 * from runtime/config/schema.ts.
 */
import { z } from 'zod';

export const metricsConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** /metrics, /healthz and /readyz. Loopback by default; env METRICS_PORT overrides the port. */
    http: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9464),
        /** CIDR allow-list for scrapers when bound beyond loopback; empty means any. */
        allow: z.array(z.string()).default([]),
      })
      .prefault({}),
  })
  .prefault({});

export const tracingConfigSchema = z
  .strictObject({
    /**
     * OTLP/HTTP JSON traces endpoint, e.g. http://127.0.0.1:4318/v1/traces.
     * Unset: traceparent is still propagated, nothing is exported.
     */
    otlpEndpoint: z.url().optional(),
    /** Extra HTTP headers for the exporter (auth); never logged. */
    headers: z.record(z.string(), z.string()).default({}),
    serviceName: z.string().min(1).default('outrigger'),
    /** Fraction of requests without an incoming traceparent that start a new trace (0 = only continue traces). */
    sampleRatio: z.number().min(0).max(1).default(0),
    /** Spans buffered before a forced export; older spans are dropped (and counted) when the exporter lags. */
    maxQueue: z.number().int().positive().default(8192),
    exportIntervalMs: z.number().int().positive().default(2000),
  })
  .prefault({});

export const reloadConfigSchema = z
  .strictObject({
    /** Re-read the config file when it changes (SIGHUP and `outrigger reload` always work). */
    watch: z.boolean().default(true),
    /** Editors write files in several steps; wait this long after the last change. */
    debounceMs: z.number().int().min(0).default(300),
  })
  .prefault({});

export const rateLimitSchema = z.strictObject({
  /** Sustained requests per second per connection. */
  perSecond: z.number().positive(),
  /** Bucket size; defaults to one second's worth. */
  burst: z.number().int().positive().optional(),
});

export type MetricsConfig = z.output<typeof metricsConfigSchema>;
export type TracingConfig = z.output<typeof tracingConfigSchema>;
export type ReloadConfig = z.output<typeof reloadConfigSchema>;
export type RateLimitConfig = z.output<typeof rateLimitSchema>;
