// Daemon config for bench/soak: every listener and every built-in feature at
// once. Ports and peers come from the environment bench/soak/run.ts sets.
import { defineConfig } from '../../index.ts';

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const kafka = env('SOAK_KAFKA', '127.0.0.1:19092');

export default defineConfig({
  logLevel: 'warn',
  runDir: env('SOAK_RUN_DIR', '/tmp/outrigger-soak'),
  listeners: {
    ipc: { unix: { path: 'ipc.sock' } },
    goridge: { tcp: { host: '127.0.0.1', port: Number(env('SOAK_GORIDGE_PORT', '16001')) } },
    isp: { tcp: { host: '127.0.0.1', port: Number(env('SOAK_ISP_PORT', '16052')) } },
  },
  metrics: { http: { host: '127.0.0.1', port: Number(env('SOAK_METRICS_PORT', '16464')) } },
  kafka: {
    driver: 'kafkajs',
    connections: { soak: { brokers: [kafka], auto_create_topics_enable: true } },
  },
  modbus: {
    allow: [{ hosts: ['127.0.0.1'], ports: [Number(env('SOAK_MODBUS_PORT', '15602'))] }],
  },
  pipelines: {
    soak: {
      kafka: { brokers: [kafka] },
      topics: [env('SOAK_CANAL_TOPIC', 'soak.canal')],
      group: `outrigger-${env('SOAK_INDEX', 'soak_orders')}`,
      cluster: { type: 'opensearch', nodes: [env('SOAK_OPENSEARCH', 'http://127.0.0.1:9201')] },
      handlers: { 'soak.orders': { index: env('SOAK_INDEX', 'soak_orders') } },
      deadLetterTopic: `${env('SOAK_CANAL_TOPIC', 'soak.canal')}.dlq`,
      limits: { bulkActions: 500, flushIntervalMs: 200 },
    },
  },
});
