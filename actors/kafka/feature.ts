import { defineFeature, moduleBeside } from '../../runtime/feature/api.ts';
import { AppApi } from './app-api/app-api.ts';
import { KafkaRestore } from './restore.ts';
import { kafkaSections } from './sections.ts';

/**
 * Kafka for applications that can't hold a producer or a consumer group:
 * the kafka actor (produce, consume with receive/ack, named connections) and
 * the Hi Framework sidecar's App API over Goridge (App.Init, App.Kafka,
 * App.Shutdown).
 */
export const kafkaFeature = defineFeature({
  name: 'kafka',
  sections: kafkaSections,
  actors: [
    {
      name: 'kafka',
      module: moduleBeside(import.meta.url, 'index'),
      options: (c) => c.kafka,
      enabled: (c) => c.kafka.enabled,
      workers: (c) => c.kafka.workers,
      // Producers and consumers exist only once a request makes them. With
      // only the memory driver nothing can fail at create(), so the worker
      // waits for the first request; with kafkajs connections it starts with
      // the daemon, which reports a bad connection setting at start-up.
      lazy: (c) => Object.values(c.kafka.connections).every((conn) => (conn.driver ?? c.kafka.driver) === 'memory'),
    },
  ],
  setup(ctx) {
    new AppApi(ctx).register();
    if (ctx.has('kafka.produce')) {
      const restore = new KafkaRestore(ctx);
      ctx.status('kafka', () => restore.counts);
    }
  },
});
