// The main thread's JSON envelope scan: id, method and the byte range of
// params, without parsing params; and the pinned-key member lookup.
import { scanEnvelope } from '../../../runtime/codec/json-envelope.ts';
import { keep, type MicroCase } from '../case.ts';

const PRODUCE = Buffer.from('{"id":"0000000001","method":"kafka.produce","params":{"topic":"t","value":"hello"}}');
const PRODUCE_100 = Buffer.from(
  JSON.stringify({ id: 42, method: 'kafka.produce', params: { connection: 'main', topic: 'events', key: 'k-1', value: 'x'.repeat(100) } }),
);
const BATCH = Buffer.from(
  JSON.stringify({
    id: 'batch-1',
    method: 'kafka.produce',
    params: { topic: 'events', messages: Array.from({ length: 100 }, (_, i) => ({ key: `k-${i}`, value: 'x'.repeat(100) })) },
  }),
);

export const cases: MicroCase[] = [
  { name: `envelope scan, kafka.produce (${PRODUCE.length} B)`, ops: 1, run: () => keep(scanEnvelope(PRODUCE)) },
  { name: `envelope scan, kafka.produce 100 B value (${PRODUCE_100.length} B)`, ops: 1, run: () => keep(scanEnvelope(PRODUCE_100)) },
  { name: `envelope scan, 100 records per call (${(BATCH.length / 1024).toFixed(1)} KiB)`, ops: 1, run: () => keep(scanEnvelope(BATCH)) },
  { name: `JSON.parse of the same produce request (reference)`, ops: 1, run: () => keep(JSON.parse(PRODUCE.utf8Slice())) },
];
