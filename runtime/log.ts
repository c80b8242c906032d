import { pino, type Logger, type LevelWithSilent } from 'pino';
import { mayHoldSecrets, redactSecrets, scrubLabelValue } from './security/redact.ts';

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
    // The fixed paths above miss deeper or differently named secrets (saslPassword, tls.cert.key, URLs with a password).
    formatters: { log: (obj) => (mayHoldSecrets(obj) ? redactSecrets(obj) : obj) },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) {
          const a: unknown = args[i];
          if (typeof a === 'string' && a.includes('@')) args[i] = scrubLabelValue(a);
        }
        method.apply(this, args);
      },
    },
  });
}

export type { Logger };
