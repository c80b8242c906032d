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

/**
 * Deep copy with secret-named properties replaced and URL passwords removed,
 * at any depth: the walk keeps its own stack (no recursion), so a deeply
 * nested object can neither overflow the call stack nor hide a secret below
 * some depth. An object met a second time (a cycle) becomes '[…]'.
 */
export function redactSecrets<T>(value: T): T {
  const seen = new WeakSet<object>();
  const root: Slot = { v: undefined };
  const todo: [unknown, Slot, string | number][] = [[value, root, 'v']];
  for (let job = todo.pop(); job !== undefined; job = todo.pop()) {
    const [v, into, key] = job;
    into[key] = copyOne(v, seen, todo);
  }
  return root.v as T;
}

type Slot = Record<string | number, unknown>;

/** One level of the copy: scalars are final, containers are made empty and their members queued. */
function copyOne(v: unknown, seen: WeakSet<object>, todo: [unknown, Slot, string | number][]): unknown {
  if (typeof v === 'string') return scrubLabelValue(v);
  if (typeof v !== 'object' || v === null) return v;
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return v;
  if (seen.has(v)) return '[…]';
  seen.add(v);
  if (Array.isArray(v)) {
    const a: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) todo.push([v[i], a as unknown as Slot, i]);
    return a;
  }
  const out: Slot = {};
  if (v instanceof Error) {
    out.type = v.name;
    out.message = scrubLabelValue(v.message);
    if (v.stack) out.stack = scrubLabelValue(v.stack);
  }
  for (const [k, x] of Object.entries(v)) {
    if (isSecretKey(k) && x !== undefined && x !== null && typeof x !== 'boolean') out[k] = REDACTED;
    else {
      out[k] = undefined; // keeps the key order; the value is filled in from the queue
      todo.push([x, out, k]);
    }
  }
  return out;
}

/** Quick check used before paying for a deep copy: does the object have a secret anywhere (any depth)? */
export function mayHoldSecrets(v: unknown): boolean {
  const seen = new WeakSet<object>();
  const todo: unknown[] = [v];
  while (todo.length > 0) {
    const x = todo.pop();
    if (typeof x === 'string') {
      if (x.includes('@') && HAS_URL_USERINFO.test(x)) return true;
      continue;
    }
    if (typeof x !== 'object' || x === null || Buffer.isBuffer(x) || ArrayBuffer.isView(x) || seen.has(x)) continue;
    seen.add(x);
    if (x instanceof Error) todo.push(x.message);
    for (const [k, y] of Object.entries(x)) {
      if (isSecretKey(k) && y !== undefined && y !== null && typeof y !== 'boolean') return true;
      todo.push(y);
    }
  }
  return false;
}
