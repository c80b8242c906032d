import { Kafka, logLevel } from 'kafkajs';
import { canal, createTopic, produce, closeProducer } from '../test/actors/es/peers.ts';
const SQL_TYPES = { id: -5, user_id: 4, sku: 12, title: 12, status: -6, price: 3, qty: 4, weight: 8, created_at: 93, updated_at: 93, note: 12 };
function row(id: number) { return { id: String(id), user_id: String(id % 9973), sku: `SKU-${(id * 2654435761) % 1_000_000}`, title: `Product ${id} with a reasonably long descriptive title`, status: String(id % 4), price: `${(id % 10000) / 100}`, qty: String(id % 50), weight: String((id % 1000) / 7), created_at: '2024-03-01 12:00:00', updated_at: '2024-03-02 08:30:15', note: id % 3 === 0 ? null : 'gift wrap, leave at the door' }; }
const topic = 'consume.test.' + Date.now();
await createTopic(topic, 1);
const msgs: string[] = [];
for (let f = 1; f <= 100000; f += 10) { const rows = []; for (let i = f; i < f + 10; i++) rows.push(row(i)); msgs.push(canal({ database: 'bench', table: 'products', type: 'INSERT', es: 1709294400000 + f, sqlType: SQL_TYPES, rows })); }
await produce(topic, msgs); await closeProducer();
for (const mb of [1, 8]) {
const k = new Kafka({ brokers: ['127.0.0.1:19092'], logLevel: logLevel.NOTHING });
const c = k.consumer({ groupId: 'g' + Date.now() + mb, maxBytesPerPartition: mb * 1024 * 1024 });
await c.connect(); await c.subscribe({ topic, fromBeginning: true });
let n = 0; let t0 = 0;
const done = new Promise<void>((res) => {
  void c.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async ({ batch, resolveOffset }) => {
    if (!t0) t0 = performance.now();
    for (const m of batch.messages) { n++; resolveOffset(m.offset); }
    if (n >= msgs.length) res();
  } });
});
await done;
const ms = performance.now() - t0;
console.log(`maxBytesPerPartition ${mb}MB: ${n} msgs (${n*10} docs) in ${ms.toFixed(0)} ms = ${Math.round(n*10/ms*1000)} docs/s`);
await c.disconnect();
}
