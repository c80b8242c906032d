// Example: the shop's MySQL tables (via Canal → Kafka) kept in step with
// OpenSearch. Run with `outrigger start --config examples/es-pipeline/sidecar.config.ts`
// against the test peers (test/peers/kafka.sh start; test/peers/opensearch.sh start).
import { defineConfig } from '../../index.ts';

export default defineConfig({
  logLevel: 'info',
  runDir: '.outrigger/es-example',
  pipelines: {
    shop: {
      kafka: { brokers: ['127.0.0.1:19092'] },
      topics: ['canal.shop'],
      group: 'outrigger-es-shop',
      cluster: { type: 'opensearch', nodes: ['http://127.0.0.1:9201'] },
      handlers: {
        // Hand-written handlers (app/<name>/: a handler and a service per table).
        'shop.orders': { module: './app/shop/orders.ts' },
        'shop.order_payments': { module: './app/shop/order-payments.ts', options: { index: 'shop_orders' } },
        // No code: mirror a table into an index by primary key.
        'shop.users': { index: 'shop_users', exclude: ['password_hash'] },
      },
      deadLetterTopic: 'canal.shop.dlq',
      limits: { bulkActions: 1000, flushIntervalMs: 200, maxWorkerCount: 4 },
    },
  },
});
