import { pino, type Logger, type LevelWithSilent } from 'pino';

/** Paths pino blanks out wherever they appear, so secrets never reach a log line. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'sasl.password',
  '*.sasl.password',
  'key',
  'tls.key',
  '*.tls.key',
  'token',
  '*.token',
  'auth.password',
  '*.auth.password',
];

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level: level as LevelWithSilent,
    base: { pid: process.pid, ...bindings },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}

export type { Logger };
