/*
 * Keeps secrets (passwords, SASL secrets, TLS keys, tokens, credentials in
 * URLs) out of logs, status and metrics. Key-based: any property whose name
 * says it holds a secret is replaced wherever it sits in an object, at any
 * depth; pino's fixed redact paths (runtime/log.ts) cannot reach arbitrary
 * depth, so the logger runs every logged object through redactSecrets too.
 */

export const REDACTED = '[redacted]';

const WORDS = 'password|passwd|pass|secret|token|apikey|api_key|privatekey|private_key|key|passphrase|credentials?|authorization|cookie';
/** A whole name, or a last word after a separator (sasl_password, tls.key). */
const SECRET_NAME = new RegExp(`(^|[_\\-.])(${WORDS})$`, 'i');
/** A camelCase last word (saslPassword, apiToken, privateKey): case-sensitive so "monkey" is not "mon"+"key". */
const SECRET_CAMEL = /[a-z0-9](Password|Passwd|Pass|Secret|Token|ApiKey|Key|Passphrase|Credentials?|Authorization|Cookie)$/;

/** Names that end in "key" but are not secrets. */
const NOT_SECRET = /^(pinkey|partitionkey|routingkey|idkey|keys|key_?field|messagekey|sortkey|keyprefix|hotkey|publickey|keepalive)$/i;

export function isSecretKey(name: string): boolean {
  if (NOT_SECRET.test(name)) return false;
  return SECRET_NAME.test(name) || SECRET_CAMEL.test(name);
}

const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi;
const HAS_URL_USERINFO = /[a-z][a-z0-9+.-]*:\/\/[^/@\s:]+:[^/@\s]+@/i;

/** Removes the password part of URLs (scheme://user:pass@host) in a string. */
export function scrubLabelValue(value: string): string {
  return value.includes('@') ? value.replace(URL_USERINFO, `$1$2:${REDACTED}@`) : value;
}

/** Deep copy with secret-named properties replaced and URL passwords removed; cycles and depth are bounded. */
export function redactSecrets<T>(value: T, depth = 8): T {
  return walk(value, depth, new WeakSet()) as T;
}

function walk(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return scrubLabelValue(v);
  if (typeof v !== 'object' || v === null) return v;
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return v;
  if (seen.has(v) || depth <= 0) return '[…]';
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, depth - 1, seen));
  if (v instanceof Error) {
    const e: Record<string, unknown> = { type: v.name, message: scrubLabelValue(v.message) };
    if (v.stack) e.stack = scrubLabelValue(v.stack);
    for (const [k, x] of Object.entries(v)) e[k] = isSecretKey(k) ? REDACTED : walk(x, depth - 1, seen);
    return e;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = isSecretKey(k) && x !== undefined && x !== null && typeof x !== 'boolean' ? REDACTED : walk(x, depth - 1, seen);
  }
  return out;
}

/** Quick check used before paying for a deep copy: does the object have a secret anywhere? */
export function mayHoldSecrets(v: unknown, depth = 8): boolean {
  if (typeof v === 'string') return v.includes('@') && HAS_URL_USERINFO.test(v);
  if (typeof v !== 'object' || v === null || depth <= 0) return false;
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return false;
  for (const [k, x] of Object.entries(v)) {
    if (isSecretKey(k) && x !== undefined && x !== null && typeof x !== 'boolean') return true;
    if (mayHoldSecrets(x, depth - 1)) return true;
  }
  return v instanceof Error && mayHoldSecrets(v.message);
}
