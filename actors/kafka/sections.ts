import { appApiConfigSchema } from './app-api/config.ts';
import { kafkaConfigSchema } from './config.ts';

/** The config sections the kafka feature owns: `kafka` (connections, producer, consumer) and `app` (the App API). */
export const kafkaSections = {
  kafka: kafkaConfigSchema.prefault({}),
  app: appApiConfigSchema.prefault({}),
};
export type KafkaSections = typeof kafkaSections;
