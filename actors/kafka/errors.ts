import { OutriggerError } from '../../runtime/errors/error.ts';
import type { ErrorCode } from '../../runtime/errors/codes.ts';

export type KafkaErrorCode = Extract<ErrorCode, `KAFKA_${string}`>;

export function kafkaError(code: KafkaErrorCode, message: string, data?: Record<string, unknown>): OutriggerError {
  return new OutriggerError(code, message, data);
}

export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Failures that say the cluster is unhealthy (they open the connection's circuit), not that the call was wrong. */
const BACKEND_FAILURES = new Set(['KAFKA_UNREACHABLE', 'KAFKA_TIMEOUT', 'KAFKA_AUTH_FAILED']);

/**
 * Whether the failure counts against the connection's circuit breaker: the cluster is unreachable or
 * not answering. One broker failing while others answer (data.clusterUp) does not: its partitions get
 * new leaders within seconds, and opening the circuit would refuse every partition meanwhile.
 */
export function isBackendFailure(err: unknown): boolean {
  if (!BACKEND_FAILURES.has(codeOf(err) ?? '')) return false;
  return (err as { data?: { clusterUp?: unknown } }).data?.clusterUp !== true;
}

/** Failures an async record is worth sending again for (until its delivery timeout). */
export function isTransient(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'KAFKA_UNREACHABLE' || code === 'KAFKA_TIMEOUT' || code === 'KAFKA_NOT_ENOUGH_REPLICAS' || code === 'CIRCUIT_OPEN') return true;
  return code === 'KAFKA_ERROR' && (err as OutriggerError).data !== undefined && ((err as OutriggerError).data as { retriable?: unknown }).retriable === true;
}
