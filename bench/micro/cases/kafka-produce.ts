// The Kafka worker's produce request encoder (one pass into one buffer,
// CRC-32C included): one record per request, and 100 records per request.
import { encodeProduceRequest, type ProduceRequestData } from '../../../actors/kafka/kafkajs/produce-request-codec.ts';
import { keep, type MicroCase } from '../case.ts';

const VALUE = Buffer.alloc(100, 0x61);
const NOW = 1_760_000_000_000;

function request(records: number): ProduceRequestData {
  return {
    acks: -1,
    timeout: 30_000,
    topicData: [
      {
        topic: 'events',
        partitions: [{ partition: 0, messages: Array.from({ length: records }, (_, i) => ({ key: `k-${i}`, value: VALUE })) }],
      },
    ],
  };
}

const ONE = request(1);
const HUNDRED = request(100);

export const cases: MicroCase[] = [
  { name: 'Kafka produce request, 1 record of 100 B', ops: 1, run: () => keep(encodeProduceRequest(ONE, NOW)) },
  { name: 'Kafka produce request, 100 records of 100 B (per record)', ops: 100, run: () => keep(encodeProduceRequest(HUNDRED, NOW)) },
];
