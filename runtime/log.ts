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

/** Log lines dropped by a RepeatLimit so far, by key (the metric outrigger_log_lines_suppressed_total). */
export const suppressedLines = new Map<string, number>();

/**
 * Bounds log lines of one kind that clients can trigger again and again
 * (refused connections, failed App.Init calls, silent gateways): per key, at
 * most `lines` per `intervalMs`. The rest are counted in suppressedLines, and
 * the next line written says how many were left out. Keys name a kind of
 * line (a fixed string), never client data, so the table stays small.
 */
export class RepeatLimit {
  readonly #windows = new Map<string, { start: number; written: number; dropped: number }>();

  constructor(
    readonly lines = 10,
    readonly intervalMs = 10_000,
  ) {}

  /** -1 when this line must be dropped; else how many lines of the key were dropped since the last one written. */
  take(key: string, now = Date.now()): number {
    let w = this.#windows.get(key);
    if (!w) this.#windows.set(key, (w = { start: now, written: 0, dropped: 0 }));
    if (now - w.start >= this.intervalMs) {
      w.start = now;
      w.written = 0;
    }
    if (w.written >= this.lines) {
      w.dropped++;
      suppressedLines.set(key, (suppressedLines.get(key) ?? 0) + 1);
      return -1;
    }
    w.written++;
    const dropped = w.dropped;
    w.dropped = 0;
    return dropped;
  }

  /** Writes the line `write` makes, unless the key is over its limit; `write` gets the count of lines left out before it. */
  log(key: string, write: (suppressed: number) => void): void {
    const n = this.take(key);
    if (n >= 0) write(n);
  }
}

/** The limit the daemon's client-triggered warnings share. */
export const repeatLimit = new RepeatLimit();
