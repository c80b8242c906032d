import { writeFileSync } from 'node:fs';
import { prng } from '../../test/helpers/prng.ts';
import { gobTarget } from '../../test/fuzz/body-targets.ts';
import { mutate } from '../../test/fuzz/lib/mutate.ts';
import { subSeed } from '../../test/fuzz/lib/options.ts';
import { decodeGob } from '../../runtime/codec/gob.ts';
const rand = prng(subSeed(626985193, 'gob'));
for (let i = 0; i < 13; i++) {
  const isHostile = rand() < 0.15;
  const input = isHostile ? gobTarget.hostile[Math.floor(rand() * gobTarget.hostile.length)]!(rand) : mutate(rand, gobTarget.corpus);
  const t0 = performance.now(); const r = decodeGob(input); const ms = performance.now() - t0;
  gobTarget.run(input, rand);
  console.log(i, isHostile, input.length, ms.toFixed(1), r.ok ? 'ok' : r.error.message.slice(0, 80));
  if (ms > 200) writeFileSync(`/tmp/fz/gob-slow-${i}.bin`, input);
}
