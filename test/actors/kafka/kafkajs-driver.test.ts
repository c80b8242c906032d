// The driver contract against the real Kafka 3.9 broker (test/peers/kafka.sh start).
import { kafkajsDriver } from '../../../actors/kafka/kafkajs/driver.ts';
import { driverContract } from './driver-contract.ts';
import { requireKafkaPeer } from './kafka-peer.ts';

await requireKafkaPeer();

driverContract('kafkajs against Kafka 3.9.1', () => ({
  driver: kafkajsDriver,
  connection: { brokers: ['127.0.0.1:19092'] },
  settleMs: 15_000,
}));
