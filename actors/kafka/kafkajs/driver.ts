// The `kafkajs` driver: a real Kafka cluster through kafkajs 2.2.4.
import type { KafkaDriver } from '../driver.ts';
import { KafkajsClient } from './client.ts';
import { tlsOptions } from './options.ts';

export const kafkajsDriver: KafkaDriver = {
  name: 'kafkajs',
  open: (name, connection, log) => new KafkajsClient(name, connection, log, tlsOptions(name, connection)),
};
