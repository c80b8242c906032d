import { Client } from '@opensearch-project/opensearch';
import { recreateIndex } from '../test/actors/es/peers.ts';
const client = new Client({ node: 'http://127.0.0.1:9201', maxRetries: 0, requestTimeout: 60000 });
const DOCS = 50000, BULK = 1000, W = 4;
function doc(id: number) { return { id, user_id: id % 9973, sku: `SKU-${(id * 2654435761) % 1_000_000}`, title: `Product ${id} with a reasonably long descriptive title`, status: id % 4, price: `${(id % 10000) / 100}`, qty: id % 50, weight: (id % 1000) / 7, created_at: '2024-03-01T12:00:00', updated_at: '2024-03-02T08:30:15', note: id % 3 === 0 ? null : 'gift wrap, leave at the door' }; }
async function run(name: string, meta: (id: number) => Record<string, unknown>, asString: boolean) {
  const index = 'vc_' + name; await recreateIndex(index);
  let next = 1; const t = performance.now();
  await Promise.all(Array.from({ length: W }, async () => {
    while (next <= DOCS) { const from = next; next = Math.min(DOCS + 1, next + BULK);
      let body: any;
      if (asString) { let s = ''; for (let id = from; id < next; id++) s += JSON.stringify({ index: { _index: index, _id: String(id), ...meta(id) } }) + '\n' + JSON.stringify(doc(id)) + '\n'; body = s; }
      else { body = []; for (let id = from; id < next; id++) body.push({ index: { _index: index, _id: String(id), ...meta(id) } }, doc(id)); }
      const r = asString ? await client.transport.request({ method: 'POST', path: '/_bulk', querystring: { filter_path: 'errors,items.*.status,items.*.result,items.*.error' }, bulkBody: body }) : await client.bulk({ body });
      if ((r.body as any).errors) throw new Error('errors'); } }));
  console.log(name, Math.round(DOCS / (performance.now() - t) * 1000), 'docs/s');
}
for (let i = 0; i < 2; i++) {
  await run('plain', () => ({}), false);
  await run('plain_string_filter', () => ({}), true);
  await run('external_gte', (id) => ({ version: 1834567890123456789 + id, version_type: 'external_gte' }), true);
}
await client.close();
