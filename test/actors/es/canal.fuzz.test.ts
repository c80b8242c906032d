import { describe, expect, it } from 'vitest';
import { decodeCanal } from '../../../actors/es/canal.ts';
import { prng } from '../../helpers/prng.ts';
import { fixtureLines } from './fixtures.ts';

const SEEDS = [1, 7, 42, 1234, 20260101];
const PER_SEED = 2000;

describe('decodeCanal fuzz (seeded byte mutations of real messages)', () => {
  const corpus = [...fixtureLines('flink-products2.jsonl'), ...fixtureLines('bigdata-user-info.jsonl')].map((l) => Buffer.from(l));
  for (const seed of SEEDS) {
    it(`seed ${seed}: returns a message or throws CANAL_MALFORMED, nothing else`, () => {
      const rand = prng(seed);
      for (let n = 0; n < PER_SEED; n++) {
        const src = corpus[Math.floor(rand() * corpus.length)]!;
        const buf = Buffer.from(src);
        const edits = 1 + Math.floor(rand() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(rand() * buf.length);
          const kind = rand();
          if (kind < 0.5) buf[at] = Math.floor(rand() * 256);
          else if (kind < 0.8) buf[at] = '{}[]":,0n'.charCodeAt(Math.floor(rand() * 9));
          else buf.fill(0x20, at, Math.min(buf.length, at + Math.floor(rand() * 16)));
        }
        const input = rand() < 0.1 ? buf.subarray(0, Math.floor(rand() * buf.length)) : buf;
        try {
          const m = decodeCanal(input);
          expect(['rows', 'ddl']).toContain(m.kind);
          if (m.kind === 'rows') for (const r of m.data) for (const v of Object.values(r)) expect(v === null || typeof v === 'string').toBe(true);
        } catch (err) {
          if ((err as { code?: string }).code !== 'CANAL_MALFORMED') throw new Error(`seed ${seed} case ${n}: ${(err as Error).message}`);
        }
      }
    });
  }
});
