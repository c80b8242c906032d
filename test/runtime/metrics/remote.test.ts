import { describe, expect, it } from 'vitest';
import { ActorMetrics, type ActorMetricsSnapshot } from '../../../runtime/metrics/actor.ts';
import { FEATURE_METRICS } from '../../../runtime/metrics/catalogue.ts';
import { Registry } from '../../../runtime/metrics/registry.ts';
import { RemoteMetrics } from '../../../runtime/metrics/remote.ts';
import { createLogger } from '../../../runtime/log.ts';
import { value } from '../../helpers/prom.ts';

/** A worker's ActorMetrics whose snapshots land in `sent` instead of crossing a thread. */
function worker(index: number): { m: ActorMetrics; sent: ActorMetricsSnapshot[] } {
  const sent: ActorMetricsSnapshot[] = [];
  const m = new ActorMetrics({ workerIndex: index, publish: (_t, data) => sent.push(data as ActorMetricsSnapshot) }, 60_000);
  return { m, sent };
}

describe('RemoteMetrics (actor snapshots summed on the main thread)', () => {
  it('sums counters over workers, keeps a restarted worker’s counts, drops its gauges', async () => {
    const reg = new Registry();
    const remote = new RemoteMetrics(reg, createLogger('silent'), () => false);
    const a = worker(0);
    const b = worker(1);
    a.m.counter(FEATURE_METRICS.es.documentsIndexed).labels('c1', 'orders').inc(10);
    a.m.gauge(FEATURE_METRICS.modbus.deviceUp).labels('plc1').set(1);
    b.m.counter(FEATURE_METRICS.es.documentsIndexed).labels('c1', 'orders').inc(5);
    await a.m.flush();
    await b.m.flush();
    remote.receive(a.sent.at(-1), 'es');
    remote.receive(b.sent.at(-1), 'es');
    let text = await reg.metrics();
    expect(value(text, 'outrigger_es_documents_indexed_total', { cluster: 'c1', pipeline: 'orders' })).toBe(15);
    expect(value(text, 'outrigger_modbus_device_up', { device: 'plc1' })).toBe(1);

    // worker 0 restarts: a new ActorMetrics (new bootId) starting from zero
    const a2 = worker(0);
    a2.m.counter(FEATURE_METRICS.es.documentsIndexed).labels('c1', 'orders').inc(1);
    await a2.m.flush();
    remote.receive(a2.sent.at(-1), 'es');
    text = await reg.metrics();
    expect(value(text, 'outrigger_es_documents_indexed_total', { cluster: 'c1', pipeline: 'orders' })).toBe(16);
    expect(value(text, 'outrigger_modbus_device_up', { device: 'plc1' })).toBeUndefined();
  });

  it('a reload restart: old and new worker 0 of one actor report side by side without trading totals; the old one retires when stopped', async () => {
    const reg = new Registry();
    const remote = new RemoteMetrics(reg, createLogger('silent'), () => false);
    const oldHost = {};
    const newHost = {};
    const old0 = worker(0);
    const new0 = worker(0);
    const docs = FEATURE_METRICS.es.documentsIndexed;
    const total = async (): Promise<number | undefined> =>
      value(await reg.metrics(), 'outrigger_es_documents_indexed_total', { cluster: 'c1', pipeline: 'orders' });
    old0.m.counter(docs).labels('c1', 'orders').inc(100);
    old0.m.gauge(FEATURE_METRICS.modbus.deviceUp).labels('plc-old').set(1);
    await old0.m.flush();
    remote.receive(old0.sent.at(-1), 'es', oldHost);
    // the new host starts while the old one drains: both report, interleaved, several times
    for (let round = 0; round < 3; round++) {
      new0.m.counter(docs).labels('c1', 'orders').inc(1);
      old0.m.counter(docs).labels('c1', 'orders').inc(1);
      await new0.m.flush();
      await old0.m.flush();
      remote.receive(new0.sent.at(-1), 'es', newHost);
      remote.receive(old0.sent.at(-1), 'es', oldHost);
      expect(await total()).toBe(100 + 2 * (round + 1));
    }
    remote.retireHost('es', oldHost);
    expect(await total()).toBe(106);
    expect(value(await reg.metrics(), 'outrigger_modbus_device_up', { device: 'plc-old' })).toBeUndefined();
    new0.m.counter(docs).labels('c1', 'orders').inc(4);
    await new0.m.flush();
    remote.receive(new0.sent.at(-1), 'es', newHost);
    expect(await total()).toBe(110);
  });

  it('declares catalogue names up front, learns new names, refuses reserved ones and scrubs URL passwords from labels', async () => {
    const reg = new Registry();
    const remote = new RemoteMetrics(reg, createLogger('silent'), (n) => n === 'outrigger_requests_total');
    expect(await reg.metrics()).toContain('# TYPE outrigger_kafka_consumer_lag gauge');
    const w = worker(0);
    w.m.counter({ name: 'outrigger_custom_things_total', help: 'things', labelNames: ['source'] }).labels('kafka://u:hunter2@broker:9092').inc();
    w.m.counter({ name: 'outrigger_requests_total', help: 'fake', labelNames: [] }).inc();
    await w.m.flush();
    remote.receive(w.sent.at(-1), 'custom');
    remote.receive({ not: 'a snapshot' }, 'custom');
    const text = await reg.metrics();
    expect(value(text, 'outrigger_custom_things_total', { source: 'kafka://u:[redacted]@broker:9092' })).toBe(1);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('fake');
  });
});
