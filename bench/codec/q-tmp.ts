import { Packr } from 'msgpackr';
import { checkMsgpack } from '../../runtime/codec/msgpack-check.ts';
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true, int64AsType: 'auto' as 'number' });
const bodies = [
  packr.pack({ topic: 'orders', key: 'k-1', value: 'x'.repeat(48), headers: { a: '1' }, partition: 3 }),
  packr.pack({ messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(100), ts: 1700000000000 + i })) }),
  packr.pack([1, 2, 3, new Date(), null, true, 1.5, -7, 2 ** 40, 'é']),
];
for (const b of bodies) console.log(b.length, checkMsgpack(b), JSON.stringify(packr.unpack(b)).slice(0, 60));
for (let round = 0; round < 3; round++) for (const b of bodies.slice(0, 2)) {
  const N = 200000 / (b.length > 1000 ? 50 : 1);
  let t0 = performance.now(); for (let i = 0; i < N; i++) packr.unpack(b); const u = (performance.now() - t0) * 1e6 / N;
  t0 = performance.now(); for (let i = 0; i < N; i++) checkMsgpack(b); const c = (performance.now() - t0) * 1e6 / N;
  console.log(b.length, 'unpack', u.toFixed(0), 'ns', 'check', c.toFixed(0), 'ns', (100 * c / u).toFixed(1) + '%');
}
