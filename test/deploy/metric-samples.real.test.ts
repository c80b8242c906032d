// Every metric docs/metrics.md, the Grafana dashboard and the alert rules in
// deploy/ name has samples on /metrics after the traffic that should produce
// it: a declared name with only HELP and TYPE lines leaves a panel empty and
// an alert unable to fire. One daemon process (the real composition root)
// runs every feature against the real peers: Kafka through kafkajs, a Modbus
// device (libmodbus) and one that is gone, an ES pipeline into OpenSearch and
// one whose cluster is down, and a Kafka connection whose brokers are down
// (its circuit opens).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcClient } from '../../clients/ts/ipc-client.ts';
import { canal, createTopic, KAFKA_BROKER, lockPeers, produce, requirePeers } from '../actors/es/peers.ts';
import { OPENSEARCH } from '../actors/es/search-peers.ts';
import { type DaemonProcess, startDaemonProcess } from '../helpers/daemon-process.ts';
import { freePort, startPeer, stopPeer } from '../helpers/modbus-peers.ts';
import { parseProm } from '../helpers/prom.ts';
import { alertExprs, dashboardExprs, docsMetricNames, metricNames, SYNTHETIC } from '../helpers/promql.ts';

const run = randomUUID().slice(0, 8);
const T = { kafka: `metrics-kafka-${run}`, es: `metrics-es-${run}`, dlq: `metrics-dlq-${run}` };
const INDEX = `metrics-orders-${run}`;

let unlock: (() => void) | undefined;
let modbusPort = 0;
let d: DaemonProcess;
let c: IpcClient;

beforeAll(async () => {
  unlock = await lockPeers();
  await requirePeers([OPENSEARCH]);
  await Promise.all([createTopic(T.es), createTopic(T.dlq)]);
  await OPENSEARCH.recreateIndex(INDEX);
  modbusPort = await freePort();
  await startPeer('libmodbus', modbusPort);
  const closed = await freePort(); // nothing listens there: a device, a cluster and brokers that are down
  const register = [{ key: 'pressure', address: 7, type: 'uint16' as const }];
  const pipeline = {
    kafka: { brokers: [KAFKA_BROKER] },
    topics: [T.es],
    deadLetterTopic: T.dlq,
    handlers: { 'shop.orders': { index: INDEX } },
    limits: { bulkActions: 10, flushIntervalMs: 50 },
    commitIntervalMs: 200,
  };
  d = await startDaemonProcess({
    kafka: {
      driver: 'kafkajs',
      connections: {
        main: { brokers: [KAFKA_BROKER], topics: { [T.kafka]: { partitions: 2 } } },
        down: { brokers: [`127.0.0.1:${closed}`], retry: { retries: 0 }, circuit: { failure_threshold: 2, reset_timeout: '60s' } },
      },
    },
    modbus: {
      devices: [
        { name: 'boiler', address: `127.0.0.1:${modbusPort}`, interval_ms: 100, registers: register },
        { name: 'gone', address: `127.0.0.1:${closed}`, interval_ms: 100, registers: register },
      ],
    },
    pipelines: {
      shop: { ...pipeline, group: `g-shop-${run}`, cluster: { type: 'opensearch', nodes: [OPENSEARCH.url] } },
      unreachable: { ...pipeline, group: `g-unreachable-${run}`, cluster: { type: 'opensearch', nodes: [`http://127.0.0.1:${closed}`] } },
    },
  });
  c = d.client();
}, 300_000);

afterAll(async () => {
  await d?.stop();
  if (modbusPort) await stopPeer(modbusPort);
  unlock?.();
});

/** Base names (a histogram's _bucket, _sum and _count count as samples of it), with `process_*` kept as a prefix. */
function wanted(): string[] {
  const fromDeploy = [...dashboardExprs(), ...alertExprs().map((r) => r.expr)].flatMap(metricNames).filter((n) => !SYNTHETIC.has(n));
  return [...new Set([...docsMetricNames(), ...fromDeploy].map((n) => n.replace(/_(bucket|sum|count)$/, '')))].sort();
}

function withoutSamples(text: string, names: string[]): string[] {
  const sampled = new Set(parseProm(text).samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
  return names.filter((n) => (n.endsWith('*') ? ![...sampled].some((s) => s.startsWith(n.slice(0, -1))) : !sampled.has(n)));
}

describe('metrics named by docs/metrics.md and deploy/', () => {
  it('all have samples after the traffic that produces them', async () => {
    const names = wanted();
    expect(names.length).toBeGreaterThan(45);
    expect(names).toContain('outrigger_kafka_produce_failures_total'); // the alert that could never fire

    // Requests, one of them for a method that does not exist.
    await c.call('sys.echo', 'hello');
    await expect(c.call('no.such.method')).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    // Kafka: sync and async produce, a record for a partition the topic lacks, a consumer that receives and acks.
    await c.call('kafka.produce', { connection: 'main', topic: T.kafka, value: 'one', sync_mode: true });
    await c.call('kafka.produce', { connection: 'main', topic: T.kafka, value: 'two' });
    await expect(c.call('kafka.produce', { connection: 'main', topic: T.kafka, value: 'x', partition: 9, sync_mode: true })).rejects.toMatchObject({
      code: 'KAFKA_UNKNOWN_PARTITION',
    });
    await c.call('kafka.consume.init', {
      connection: 'main',
      group_options: { group_id: `g-${T.kafka}` },
      consume_options: { topics: [T.kafka], offset: 'AtStart' },
    });
    for (let got = 0; got < 2; ) got += ((await c.call('kafka.consume.receive', { connection: 'main', topic: T.kafka, size: 10, max_wait_ms: 500 })) as unknown[]).length;
    await c.call('kafka.consume.ack', { connection: 'main', topic: T.kafka });
    // Brokers that are down: failures open the connection's circuit, the next call is refused.
    for (let i = 0; i < 3; i++) await c.call('kafka.produce', { connection: 'down', topic: 't', value: 'x', sync_mode: true }).catch(() => {});
    // ES: a row that is written, a record that cannot be decoded (dead-lettered).
    await produce(T.es, [
      canal({ database: 'shop', table: 'orders', type: 'INSERT', es: Date.now(), sqlType: { id: 4, status: 4 }, rows: [{ id: '1', status: '1' }] }),
      'not a canal message',
    ]);

    let missing: string[] = [];
    for (const until = Date.now() + 60_000; Date.now() < until; ) {
      missing = withoutSamples(await d.scrape(), names);
      if (missing.length === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(missing).toEqual([]);
  }, 120_000);
});
