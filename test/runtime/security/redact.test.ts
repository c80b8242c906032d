import { describe, expect, it } from 'vitest';
import { isSecretKey, mayHoldSecrets, redactSecrets, scrubLabelValue } from '../../../runtime/security/redact.ts';

describe('secret redaction', () => {
  it.each(['password', 'saslPassword', 'sasl_password', 'secret', 'clientSecret', 'token', 'apiToken', 'key', 'privateKey', 'tls_key', 'passphrase', 'authorization', 'credentials'])(
    '%s is a secret key',
    (k) => expect(isSecretKey(k)).toBe(true),
  );

  it.each(['pinKey', 'partitionKey', 'keys', 'username', 'mechanism', 'cert', 'brokers', 'monkey', 'keepAlive', 'publicKey'])('%s is not', (k) =>
    expect(isSecretKey(k)).toBe(false),
  );

  it('removes URL passwords but keeps the user and host', () => {
    expect(scrubLabelValue('kafka://app:hunter2@10.0.0.1:9092,https://u:p@es:9200')).toBe('kafka://app:[redacted]@10.0.0.1:9092,https://u:[redacted]@es:9200');
    expect(scrubLabelValue('user@example.com')).toBe('user@example.com');
  });

  it('redacts at any depth without touching the input', () => {
    const input = { a: { b: { c: { d: { password: 'x', keep: 1 } } } }, list: [{ token: 't' }], enabled: true, key: false };
    const out = redactSecrets(input);
    expect(out).toEqual({ a: { b: { c: { d: { password: '[redacted]', keep: 1 } } } }, list: [{ token: '[redacted]' }], enabled: true, key: false });
    expect(input.a.b.c.d.password).toBe('x');
    expect(mayHoldSecrets(input)).toBe(true);
    expect(mayHoldSecrets({ msg: 'hello', n: 1 })).toBe(false);
  });

  it('redacts below any nesting depth, in logs too, without recursion', () => {
    let deep: Record<string, unknown> = { password: 'deep-secret', keep: 'ok' };
    for (let i = 0; i < 20_000; i++) deep = { next: deep };
    expect(mayHoldSecrets(deep)).toBe(true);
    let out = redactSecrets(deep) as Record<string, unknown>;
    for (let i = 0; i < 20_000; i++) out = out.next as Record<string, unknown>;
    expect(out).toEqual({ password: '[redacted]', keep: 'ok' });
  });

  it('survives cycles', () => {
    const o: Record<string, unknown> = { password: 'p' };
    o.self = o;
    expect(redactSecrets(o)).toEqual({ password: '[redacted]', self: '[…]' });
  });
});
