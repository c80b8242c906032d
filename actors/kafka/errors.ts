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

export function isBackendFailure(err: unknown): boolean {
  return BACKEND_FAILURES.has(codeOf(err) ?? '');
}

/** Failures an async record is worth sending again for (until its delivery timeout). */
export function isTransient(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'KAFKA_UNREACHABLE' || code === 'KAFKA_TIMEOUT' || code === 'CIRCUIT_OPEN') return true;
  return code === 'KAFKA_ERROR' && (err as OutriggerError).data !== undefined && ((err as OutriggerError).data as { retriable?: unknown }).retriable === true;
}
