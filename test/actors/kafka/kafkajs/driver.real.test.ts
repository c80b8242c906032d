// The driver contract against the real Kafka 3.9 broker (test/peers/kafka.sh start).
import { afterAll, beforeAll } from 'vitest';
import { kafkajsDriver } from '../../../../actors/kafka/kafkajs/driver.ts';
import { driverContract } from '../driver-contract.ts';
import { lockKafkaPeer, PEER, requireKafkaPeer } from '../kafka-peer.ts';

let release: (() => void) | undefined;
beforeAll(async () => {
  // Lock first: while another file has the broker killed on purpose, it is down but not missing.
  release = await lockKafkaPeer();
  await requireKafkaPeer();
});
afterAll(() => release?.());

driverContract('kafkajs against Kafka 3.9.1', () => ({
  driver: kafkajsDriver,
  connection: { brokers: [PEER.plaintext] },
  settleMs: 15_000,
}));
