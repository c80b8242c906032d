/*
 * OTLP/HTTP JSON encoding of finished spans (opentelemetry-proto
 * ExportTraceServiceRequest in its JSON mapping: ids as lowercase hex,
 * 64-bit nanosecond times as decimal strings). Pure: no I/O here.
 */

export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type AttributeValue = string | number | boolean;

export interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  /** Epoch nanoseconds as bigint (Number loses precision past 2^53). */
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttributeValue>;
  status: { code: number; message?: string };
}

type OtlpAnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function anyValue(v: AttributeValue): OtlpAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

function attributes(a: Record<string, AttributeValue>): { key: string; value: OtlpAnyValue }[] {
  return Object.entries(a).map(([key, v]) => ({ key, value: anyValue(v) }));
}

export interface Resource {
  serviceName: string;
  serviceVersion: string;
  extra?: Record<string, AttributeValue>;
}

export function encodeTraceExport(resource: Resource, spans: FinishedSpan[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: {
          attributes: attributes({ 'service.name': resource.serviceName, 'service.version': resource.serviceVersion, ...resource.extra }),
        },
        scopeSpans: [
          {
            scope: { name: 'outrigger', version: resource.serviceVersion },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: s.startNs.toString(),
              endTimeUnixNano: s.endNs.toString(),
              attributes: attributes(s.attributes),
              status: s.status,
            })),
          },
        ],
      },
    ],
  });
}
