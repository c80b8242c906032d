import { defineActor } from '../../runtime/actor/api.ts';
import { type KafkaConfig, kafkaConfigSchema } from './config.ts';
import { KAFKA_METHODS, KAFKA_POLICY, kafkaHandlers } from './handlers.ts';
import { kafkaMetrics } from './metrics.ts';
import { connectionField, connectionOf } from './params.ts';
import { ConnectionRegistry } from './registry.ts';

/** How long shutdown waits for queued async records to reach the broker. */
const CLOSE_BUDGET_MS = 5000;

/**
 * Built-in Kafka actor: kafka.produce and kafka.consume.{init,receive,ack,close}
 * for PHP apps, kafka.app (the App API's App.Kafka), plus
 * kafka.connections.set (App.Init), kafka.connections.names and kafka.stats. Pinned by connection name: one worker owns a connection's
 * producer and its group members, so a member's buffer, acks and commits
 * never cross threads. Options are the `kafka` section of sidecar.config.ts.
 */
export default defineActor<(typeof KAFKA_METHODS)[number], KafkaConfig>({
  name: 'kafka',
  kind: 'pinned',
  methods: KAFKA_METHODS,
  policy: KAFKA_POLICY,
  pinKey: connectionOf,
  pinField: connectionField,
  parseOptions: (raw) => kafkaConfigSchema.parse(raw ?? {}),
  // Long-polling receives and sync produces wait on the broker, not on the CPU.
  concurrency: 65_536,
  create: async (ctx) => {
    const metrics = kafkaMetrics(ctx);
    const registry = new ConnectionRegistry(ctx.options, ctx.log, (topic: string, e: object) => ctx.publish(topic, { ...e, worker: ctx.workerIndex }), metrics);
    for (const [name, c] of Object.entries(ctx.options.connections)) {
      // Every worker knows every configured connection; requests reach only the one that owns it.
      await registry.set(name, c, 'config');
    }
    return {
      handlers: kafkaHandlers(registry),
      close: async () => {
        await registry.closeAll(Date.now() + Math.min(CLOSE_BUDGET_MS, ctx.options.producer.deliveryTimeoutMs));
        await metrics.close();
      },
    };
  },
});
