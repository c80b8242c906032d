import { readFileSync } from 'node:fs';
import { decodeGob } from '../../runtime/codec/gob.ts';
import * as H from '../../test/helpers/hostile.ts';
const g = readFileSync('/tmp/outrigger-fuzz/gob-1985831401-85.bin');
for (let k = 0; k < 2; k++) { const c0 = process.cpuUsage(); const r = decodeGob(g); const c = process.cpuUsage(c0); console.log('cpu', ((c.user + c.system) / 1000).toFixed(0), 'ms', r.ok ? 'ok' : r.error.message.slice(0, 90)); }
console.log(g.subarray(0, 40).toString('hex'));
for (const f of [10, 60, 200, 2000]) {
  const b = H.gobZeroStructSliceBomb(f, 60000);
  const c0 = process.cpuUsage(); const r = decodeGob(b); const c = process.cpuUsage(c0);
  console.log('fields', f, 'bytes', b.length, 'cpu', ((c.user + c.system) / 1000).toFixed(0), 'ms', r.ok ? 'ok' : 'refused');
}
