import { describe, expect, it } from 'vitest';
import { connectionSchema } from '../../../actors/kafka/config.ts';
import { pipelineSchema, pipelinesSchema } from '../../../actors/es/config.ts';

const base = {
  topics: ['canal.shop'],
  group: 'g',
  cluster: { type: 'opensearch' as const, nodes: ['http://127.0.0.1:9201'] },
  handlers: { 'shop.users': { index: 'users' } },
  deadLetterTopic: 'canal.shop.dlq',
};

describe('pipelines.<name>.kafka', () => {
  it('is a Kafka connection of the kafka section, on the kafkajs driver by default', () => {
    const p = pipelineSchema.parse({
      ...base,
      kafka: { brokers: ['k1:9092'], client_id: 'me', tls: { root_ca: 'ca.pem' }, sasl: { type: 'scram_sha_512', username: 'u', password: 'p' }, request_timeout: '5s' },
    });
    expect(p.kafka).toEqual(
      connectionSchema.parse({
        driver: 'kafkajs',
        brokers: ['k1:9092'],
        client_id: 'me',
        tls: { root_ca: 'ca.pem' },
        sasl: { type: 'scram_sha_512', username: 'u', password: 'p' },
        request_timeout: 5000,
      }),
    );
    expect(pipelineSchema.parse({ ...base, kafka: { brokers: ['k1:9092'], driver: 'memory' } }).kafka.driver).toBe('memory');
  });

  it('still takes the spellings pipelines used before, translated to the connection shape', () => {
    const p = pipelineSchema.parse({
      ...base,
      kafka: {
        brokers: ['k1:9092'],
        clientId: 'legacy',
        ssl: { caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem', rejectUnauthorized: false },
        sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' },
        connectionTimeoutMs: 3000,
        sessionTimeoutMs: 6000,
      },
    });
    expect(p.kafka).toMatchObject({
      client_id: 'legacy',
      tls: { enabled: true, root_ca: 'ca.pem', cert: 'c.pem', key: 'k.pem', insecure_skip_verify: true },
      sasl: { type: 'scram_sha_256', username: 'u', password: 'p' },
      ping: { timeout: 3000 },
    });
    expect(p.kafka).not.toHaveProperty('clientId');
    expect(p.kafka).not.toHaveProperty('sessionTimeoutMs');
    expect(p.consumer.sessionTimeoutMs).toBe(6000);
    expect(pipelineSchema.parse({ ...base, kafka: { brokers: ['k1:9092'], ssl: true } }).kafka.tls).toEqual({ enabled: true, insecure_skip_verify: false });
    expect(pipelineSchema.parse({ ...base, kafka: { brokers: ['k1:9092'], ssl: false } }).kafka.tls).toBeUndefined();
  });

  it('refuses both spellings of one setting, and unknown keys', () => {
    const both = pipelineSchema.safeParse({ ...base, kafka: { brokers: ['k1:9092'], clientId: 'a', client_id: 'b' } });
    expect(both.success).toBe(false);
    expect(both.error!.issues[0]).toMatchObject({ path: ['kafka', 'clientId'], message: expect.stringContaining("keep 'client_id'") });
    expect(pipelineSchema.safeParse({ ...base, kafka: { brokers: ['k1:9092'], ssl: true, tls: {} } }).success).toBe(false);
    expect(pipelineSchema.safeParse({ ...base, kafka: { brokers: ['k1:9092'], nope: 1 } }).success).toBe(false);
  });

  it('parses its own output to the same value (the es worker parses the daemon-parsed config again)', () => {
    const once = pipelinesSchema.parse({ shop: { ...base, kafka: { brokers: ['k1:9092'], clientId: 'x', ssl: true, sessionTimeoutMs: 7000 } } });
    expect(pipelinesSchema.parse(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it('has consumer settings in the kafka section shape, with 4 MiB fetches', () => {
    expect(pipelineSchema.parse({ ...base, kafka: { brokers: ['k1:9092'] } }).consumer).toEqual({
      fetchSize: 1024,
      fetchBytes: 64 * 1024 * 1024,
      maxWaitMs: 200,
      maxBytesPerPartition: 4 * 1024 * 1024,
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 60_000,
      heartbeatIntervalMs: 3000,
    });
  });
});
