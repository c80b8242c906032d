import { describe, expect, it } from 'vitest';
import shipped from '../../../sidecar.config.ts';
import { duration as kafkaDuration, kafkaConfigSchema } from '../../../actors/kafka/config.ts';
import { duration as appInitDuration } from '../../../actors/kafka/app-api/schema.ts';
import type { OutriggerError } from '../../../runtime/errors/error.ts';
import { startTestDaemon } from '../../helpers/daemon.ts';
import { parseTestConfig } from '../../helpers/config.ts';

describe('kafka config section', () => {
  it('defaults to the memory driver with no connections', () => {
    const c = parseTestConfig({}, {});
    expect(c.kafka).toMatchObject({ enabled: true, driver: 'memory', workers: 1, connections: {} });
    expect(c.kafka.producer.lingerMs).toBe(5);
  });

  it('reads App API connections: durations, TLS file paths, SASL types', () => {
    const k = kafkaConfigSchema.parse({
      connections: {
        'aliyun-kafka-public': {
          brokers: ['your-cluster:9092'],
          tls: { enabled: true, cert: '/c.pem', key: '/k.pem', root_ca: '/ca.pem' },
          sasl: { type: 'scram_sha_256', username: 'u', password: 'p' },
          ping: { timeout: '10s' },
        },
      },
    });
    const c = k.connections['aliyun-kafka-public']!;
    expect(c.ping.timeout).toBe(10_000);
    expect(c.tls).toMatchObject({ enabled: true, root_ca: '/ca.pem', insecure_skip_verify: false });
    expect(c.auto_create_topics_enable).toBe(false);
    expect(c.request_timeout).toBe(10_000);
  });

  it('caps multi-record produce calls (10,000 records, 8 MiB by default) and refuses a cap no call could pass', () => {
    const k = kafkaConfigSchema.parse({});
    expect(k.producer).toMatchObject({ maxMessagesPerCall: 10_000, maxBytesPerCall: 8 * 1024 * 1024 });
    // A smaller queue alone (valid before per-call caps existed) lowers the default cap instead of failing.
    expect(kafkaConfigSchema.parse({ producer: { maxQueuedMessages: 5000 } }).producer.maxMessagesPerCall).toBe(5000);
    const bad = kafkaConfigSchema.safeParse({ producer: { maxQueuedMessages: 100, maxMessagesPerCall: 101 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['producer', 'maxMessagesPerCall'], message: 'must not exceed maxQueuedMessages' });
  });

  it('reads Go durations exactly as App.Init does, compound ones included', () => {
    for (const [text, ms] of [['1m30s', 90_000], ['250ms', 250], ['1h', 3_600_000], ['1.5s', 1500], ['500us', 1], [7, 7]] as const) {
      expect(kafkaDuration.parse(text)).toBe(ms);
      expect(appInitDuration.parse(text)).toBe(ms);
    }
    for (const bad of ['10', '1m30', 's', '-5s']) {
      expect(kafkaDuration.safeParse(bad).success).toBe(false);
      expect(appInitDuration.safeParse(bad).success).toBe(false);
    }
  });

  it('names every bad field with its full path', () => {
    const err = (() => {
      try {
        parseTestConfig({ kafka: { driver: 'rdkafka', connections: { x: { brokers: ['nohost'], sasl: { type: 'gssapi', username: 'u', password: 'p' }, ping: { timeout: 'soon' } } } } }, {});
      } catch (e) {
        return e as OutriggerError;
      }
      throw new Error('expected CONFIG_INVALID');
    })();
    expect(err.code).toBe('CONFIG_INVALID');
    expect((err.data as { fields: string[] }).fields.sort()).toEqual(
      ['kafka.connections.x.brokers.0', 'kafka.connections.x.ping.timeout', 'kafka.connections.x.sasl.type', 'kafka.driver'].sort(),
    );
  });

  it('the shipped sidecar.config.ts runs Kafka with no broker: what is produced can be consumed', async () => {
    const d = await startTestDaemon({ kafka: shipped.kafka });
    try {
      const c = d.client();
      expect(await c.call('kafka.produce', { connection: 'kafka-common', topic: 'dev', value: 'hi', sync_mode: true })).toEqual({ topic: 'dev', partition: 0, offset: 0 });
      await c.call('kafka.consume.init', { connection: 'kafka-common', group_options: { group_id: 'php-consumer' }, consume_options: { topics: ['dev'], offset: 'AtStart' } });
      expect(await c.call('kafka.consume.receive', { connection: 'kafka-common', topic: 'dev', size: 10, max_wait_ms: 1000 })).toMatchObject([{ value: 'hi' }]);
    } finally {
      await d.stop();
    }
  });
});
