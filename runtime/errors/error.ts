import { type ErrorCode, isErrorCode } from './codes.ts';

/** Plain shape an error takes on the wire and across the worker boundary. */
export interface SerializedError {
  code: string;
  message: string;
  data?: unknown;
}

/**
 * Every error Outrigger reports carries a stable string code. Codes outside
 * the built-in list are allowed for user actors (their own namespace), which
 * is why `code` is typed as a string here and narrowed by `isErrorCode`.
 */
export class OutriggerError extends Error {
  readonly code: string;
  readonly data: unknown;

  constructor(code: ErrorCode | (string & {}), message: string, data?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutriggerError';
    this.code = code;
    this.data = data;
  }

  toJSON(): SerializedError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * postMessage turns custom errors into plain Errors and drops `code` and
 * custom fields, so errors cross threads as SerializedError and are rebuilt.
 */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof OutriggerError) return err.toJSON();
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const data = (err as { data?: unknown }).data;
    const out: SerializedError = {
      code: typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'ACTOR_ERROR',
      message: err.message,
    };
    if (data !== undefined) out.data = data;
    return out;
  }
  return { code: 'ACTOR_ERROR', message: typeof err === 'string' ? err : 'non-error value thrown' };
}

export function deserializeError(s: SerializedError): OutriggerError {
  return new OutriggerError(s.code, s.message, s.data);
}

export function errorCodeOf(err: unknown): string {
  return serializeError(err).code;
}

export { isErrorCode };

/**
 * An error thrown while deriving a pinned actor's key from the params: a
 * plain error there means the params lack the key, so it is INVALID_PARAMS.
 */
export function pinKeyError(err: unknown): SerializedError {
  const e = serializeError(err);
  return e.code === 'ACTOR_ERROR' ? { ...e, code: 'INVALID_PARAMS' } : e;
}
