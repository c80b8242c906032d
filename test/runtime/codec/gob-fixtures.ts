// Shared by the gob unit and interop tests: the Go-generated fixture and the
// reviver for its tagged "expected" values.
import { readFileSync } from 'node:fs';
import { type GobValue } from '../../../runtime/codec/gob.ts';

export interface GobVector {
  name: string;
  go_type: string;
  frame_hex: string;
  body_hex: string;
  expected: unknown;
}

export const GOB_FIXTURE_PATH = new URL('../../fixtures/gob-vectors.json', import.meta.url);

export function loadGobVectors(): GobVector[] {
  return (JSON.parse(readFileSync(GOB_FIXTURE_PATH, 'utf8')) as { vectors: GobVector[] }).vectors;
}

/** Turns {$bytes}, {$bigint}, {$float}, {$complex}, {$map} tags into the JS values the decoder yields. */
export function revive(x: unknown): GobValue {
  if (x === null || typeof x !== 'object') return x as GobValue;
  if (Array.isArray(x)) return x.map(revive);
  const o = x as Record<string, unknown>;
  if (typeof o['$bytes'] === 'string') return Buffer.from(o['$bytes'], 'hex');
  if (typeof o['$bigint'] === 'string') return BigInt(o['$bigint']);
  if (typeof o['$float'] === 'string') return Number(o['$float'].replace('+Inf', 'Infinity').replace('-Inf', '-Infinity'));
  if (Array.isArray(o['$complex'])) return { real: o['$complex'][0] as number, imag: o['$complex'][1] as number };
  if (Array.isArray(o['$map'])) {
    return new Map((o['$map'] as [unknown, unknown][]).map(([k, v]) => [revive(k), revive(v)]));
  }
  const out: Record<string, GobValue> = {};
  for (const [k, v] of Object.entries(o)) {
    Object.defineProperty(out, k, { value: revive(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
