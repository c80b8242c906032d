// Outrigger's embedded default configuration: everything on loopback, no
// external service needed. Copy and edit, then `outrigger start --config FILE`.
// Environment overrides: PORT (Goridge TCP), IPC_SOCKET, IPC_PORT, ISP_PORT,
// LOG_LEVEL, OUTRIGGER_RUN_DIR.
import { defineConfig } from './index.ts';

export default defineConfig({
  logLevel: 'info',
  requests: { timeoutMs: 30_000, overflow: 'pause' },
  listeners: {
    ipc: { unix: { path: 'ipc.sock' }, tcp: { host: '127.0.0.1', port: 6002 } },
    goridge: { tcp: { host: '127.0.0.1', port: 6001 } },
    isp: { tcp: { host: '127.0.0.1', port: 50052 } },
  },
  kafka: {
    // memory: in-process topics, partitions, groups and committed offsets, so
    // this config runs with no broker. Set 'kafkajs' (and real brokers) for a cluster.
    driver: 'memory',
    connections: {
      'kafka-common': { brokers: ['127.0.0.1:9092'], auto_create_topics_enable: true },
    },
  },
  actors: {
    // A user actor, loaded from its module and reachable as example.<method>.
    // start: 'lazy': its worker starts on the first request (no thread while unused).
    example: { module: './actors/example/counter.ts', workers: 1, start: 'lazy' },
  },
  modbus: {
    // Devices polled from start-up, with no gateway connected (docs/modbus.md).
    // None by default, so the daemon starts with nothing to reach. Each entry is
    // an ISP CONFIG payload plus a name, e.g.
    //   { name: 'boiler', address: '192.168.1.100:502', interval_ms: 1000,
    //     registers: [{ key: 'temperature', address: 0, type: 'float32', scale: 0.1 }] }
    devices: [],
  },
});
