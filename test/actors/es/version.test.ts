import { describe, expect, it } from 'vitest';
import { bulkLines } from '../../../actors/es/bulk-body.ts';
import { binlogVersion, compareVersions } from '../../../actors/es/version.ts';

describe('binlogVersion', () => {
  const es = 1589373546000;

  it('orders events of the same second by offset (MySQL binlog time has 1 s resolution)', () => {
    expect(compareVersions(binlogVersion(es, 10), binlogVersion(es, 11))).toBe(-1);
    expect(compareVersions(binlogVersion(es + 999, 11), binlogVersion(es, 10))).toBe(1);
  });

  it('is monotone in time and offset together, exactly past 2^53', () => {
    const a = binlogVersion(es, 2 ** 40);
    const b = binlogVersion(es + 1000, 0);
    expect(BigInt(a)).toBeGreaterThan(2n ** 53n);
    expect(BigInt(a) - BigInt(binlogVersion(es, 2 ** 40 - 1))).toBe(1n);
    // A later second wins over an earlier second's offset up to 2^30 (a recreated topic restarting at 0).
    expect(compareVersions(binlogVersion(es, 2 ** 30 - 1), b)).toBe(-1);
  });

  it('accepts es in seconds like es in ms', () => {
    expect(binlogVersion(1655812326, 5)).toBe(binlogVersion(1655812326000, 5));
  });

  it('is the same for a redelivered event (idempotent rewrite)', () => {
    expect(binlogVersion(es, '123')).toBe(binlogVersion(es, 123));
    // Redelivery carries the offset as Kafka's string: the bulk line, version
    // and external_gte included, is byte for byte the first delivery's, so the
    // cluster accepts the rewrite as a no-op, while the next event's is newer.
    const op = { action: 'index' as const, index: 'orders', id: '7', doc: { total: 3 } };
    const first = bulkLines({ op, version: binlogVersion(es, 123), source: 'shop.orders' }, '_cdc');
    const again = bulkLines({ op, version: binlogVersion(es, '123'), source: 'shop.orders' }, '_cdc');
    expect(again).toBe(first);
    expect(first).toContain(`"version":${binlogVersion(es, 123)},"version_type":"external_gte"`);
    const next = bulkLines({ op, version: binlogVersion(es, 124), source: 'shop.orders' }, '_cdc');
    expect(next).not.toBe(first);
  });

  it('refuses versions beyond a signed 64-bit long', () => {
    expect(() => binlogVersion(es, 8n * 10n ** 18n)).toThrow(RangeError);
  });
});
