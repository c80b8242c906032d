// Hand-written parameter checks shared by the kafka.* params parsers: each
// failure is INVALID_PARAMS naming the field.
import { OutriggerError } from '../../runtime/errors/error.ts';

export function invalidParam(field: string, message: string): OutriggerError {
  return new OutriggerError('INVALID_PARAMS', `params.${field} ${message}`, { field });
}

export function object(params: unknown): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new OutriggerError('INVALID_PARAMS', 'params must be an object', { field: '' });
  }
  return params as Record<string, unknown>;
}

export function nonEmptyString(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw invalidParam(field, 'must be a non-empty string');
  return v;
}
