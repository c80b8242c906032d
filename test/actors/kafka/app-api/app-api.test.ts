import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pack, unpack } from 'msgpackr';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoridgeClient } from '../../../../clients/ts/goridge-client.ts';
import { AppApi } from '../../../../actors/kafka/app-api/app-api.ts';
import type { FeatureContext } from '../../../../runtime/feature/api.ts';
import type { KafkaSections } from '../../../../actors/kafka/sections.ts';
import { ALL_GRANTS } from '../../../../runtime/router/policy.ts';
import type { MainCallContext } from '../../../../runtime/router/router.ts';
import { REDACTED_PATHS } from '../../../../runtime/log.ts';
import { startTestDaemon, tcpPortOf, type TestDaemon } from '../../../helpers/daemon.ts';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
/** What the Hi Framework's PHP Bridge sends: json_encode($payload) through goridge's JSON codec (a JSON string of JSON). */
const php = (v: unknown): Buffer => json(JSON.stringify(v));
const MSGPACK = 0x10;

const CONFIGS = {
  application: { name: 'typing-jupiter', module: 'jupiter', env: 'production', runtime: 'swoole' },
  kafka: {
    'kafka-common': { brokers: ['localhost:9092'], auto_create_topics_enable: true },
    'aliyun-kafka-public': {
      brokers: ['cluster-1:9093', 'cluster-2:9093'],
      tls: { enabled: true },
      sasl: { type: 'scram_sha_256', username: 'user', password: 'hunter2-secret' },
      ping: { timeout: '10s' },
    },
  },
};

/**
 * A daemon with Goridge on TCP and on a unix socket. `c` connects over the
 * unix socket (every grant, as the application on the same host); `tcp()`
 * opens a TCP client, which a local user without the socket would have.
 */
async function startWith(
  actors: Record<string, { module?: string; enabled?: boolean }>,
  app = {},
  kafka = {},
): Promise<{ d: TestDaemon; c: GoridgeClient; tcp: () => Promise<GoridgeClient> }> {
  const d = await startTestDaemon({
    listeners: { goridge: { tcp: { host: '127.0.0.1', port: 0 }, unix: { path: 'goridge.sock' } } },
    actors,
    app,
    kafka,
  });
  const c = new GoridgeClient({ address: `unix://${join(d.runDir, 'goridge.sock')}` });
  await c.connected();
  const tcp = async (): Promise<GoridgeClient> => {
    const t = new GoridgeClient({ address: `tcp://127.0.0.1:${tcpPortOf(d, 'goridge')}` });
    await t.connected();
    return t;
  };
  return { d, c, tcp };
}

describe('App API over Goridge (Kafka actor stand-in records the forwarded calls)', () => {
  let d: TestDaemon;
  let c: GoridgeClient;
  const recorded = async (): Promise<{ method: string; params: Record<string, unknown> }[]> =>
    JSON.parse((await c.call('Kafka.Recorded', Buffer.alloc(0))).body.toString()) as { method: string; params: Record<string, unknown> }[];
  const text = async (method: string, body: Buffer, flag?: number): Promise<string> => (await c.call(method, body, flag)).body.toString();

  beforeAll(async () => {
    ({ d, c } = await startWith({ kafka: { module: './test/fixtures/actors/kafka-recorder.ts' } }));
  });
  afterAll(async () => {
    c.close();
    await d.stop();
  });

  it('App.Init takes the App API\'s documented payload (JSON string of JSON) and registers each connection once', async () => {
    expect(await text('App.Init', php(CONFIGS))).toBe('true');
    const calls = await recorded();
    expect(calls.map((x) => x.method)).toEqual(['connections.set', 'connections.set']);
    expect(calls.find((x) => x.params.name === 'aliyun-kafka-public')!.params).toEqual({
      name: 'aliyun-kafka-public',
      config: {
        brokers: ['cluster-1:9093', 'cluster-2:9093'],
        tls: { enabled: true },
        sasl: { type: 'scram_sha_256', username: 'user', password: 'hunter2-secret' },
        ping: { timeout: 10_000 },
      },
    });
    // Every PHP-FPM worker calls appInit at boot: the same configs again is answered without re-registering.
    expect(await text('App.Init', json(CONFIGS))).toBe('true');
    expect([...(await c.call('App.Init', pack(CONFIGS), MSGPACK)).body]).toEqual([0xc3]);
    expect(await recorded()).toEqual([]);
  });

  it('App.Init names the bad field and never echoes a secret', async () => {
    const bad = structuredClone(CONFIGS) as { kafka: Record<string, Record<string, unknown>> };
    bad.kafka['aliyun-kafka-public']!.sasl = { type: 'SCRAM-SHA-256', username: 'user', password: 'hunter2-secret' };
    bad.kafka['kafka-common']!.brokers = ['no-port'];
    const r = await c.call('App.Init', php(bad));
    expect(r.isError).toBe(true);
    const msg = r.body.toString();
    expect(msg).toMatch(/^INVALID_PARAMS: /);
    expect(msg).toContain("configs.kafka.kafka-common.brokers.0: must be \"host:port\"");
    expect(msg).toContain('configs.kafka.aliyun-kafka-public.sasl.type: Invalid option');
    expect(msg).not.toContain('hunter2');
    expect(await text('App.Init', Buffer.from('"{not json"'))).toMatch(/^MALFORMED_JSON: configs: a string payload must hold JSON/);
  });

  it('App.Kafka produce: the documented double-encoded payload, plain object and msgpack all answer true', async () => {
    const produce = {
      action: 'produce',
      produce_message: { connection: 'kafka-common', topic: 'orders', value: '{"id":1}', headers: { source: 'php-app' }, sync_mode: true },
    };
    expect(await text('App.Kafka', php(produce))).toBe('true');
    expect(await text('App.Kafka', json({ ...produce, produce_message: { ...produce.produce_message, headers: [], key: 'k1' } }))).toBe('true');
    expect(unpack(await c.call('App.Kafka', pack(produce), MSGPACK).then((r) => r.body))).toBe(true);
    const calls = await recorded();
    expect(calls.map((x) => x.params)).toEqual([
      { connection: 'kafka-common', topic: 'orders', value: '{"id":1}', headers: { source: 'php-app' }, sync_mode: true },
      { connection: 'kafka-common', topic: 'orders', value: '{"id":1}', key: 'k1', headers: {}, sync_mode: true },
      { connection: 'kafka-common', topic: 'orders', value: '{"id":1}', headers: { source: 'php-app' }, sync_mode: true },
    ]);
  });

  it('App.Kafka produce with produce_messages forwards the records as they are, to kafka.produce\'s multi-record form', async () => {
    const many = {
      action: 'produce',
      produce_messages: { connection: 'kafka-common', topic: 'orders', messages: [{ value: 'a', key: 'k' }, { value: 'b', headers: { h: '1' } }], sync_mode: true },
    };
    expect(await text('App.Kafka', php(many))).toBe('true');
    expect(unpack(await c.call('App.Kafka', pack({ ...many, produce_messages: { ...many.produce_messages, sync_mode: undefined } }), MSGPACK).then((r) => r.body))).toBe(true);
    const calls = await recorded();
    expect(calls).toEqual([
      { method: 'produce', params: many.produce_messages },
      { method: 'produce', params: { ...many.produce_messages, sync_mode: false } },
    ]);
  });

  it('App.Kafka consume_init / consume_receive / consume_ack / consume_close', async () => {
    const call = (action: string, message: unknown): Promise<string> => text('App.Kafka', php({ action, [`${action}_message`]: message }));
    expect(
      await call('consume_init', {
        connection: 'kafka-common',
        group_options: { group_id: 'php-consumer', session_timeout: '45s' },
        consume_options: { topics: ['orders'], offset: 'at_start' },
      }),
    ).toBe('true');
    const records = JSON.parse(await call('consume_receive', { connection: 'kafka-common', topic: 'orders', size: 10 })) as unknown[];
    expect(records).toHaveLength(3);
    expect(records[1]).toEqual({
      topic: 'orders',
      partition: 0,
      offset: 11,
      key: 'k1',
      value: 'value-1',
      headers: { source: 'test' },
      timestamp: 1_700_000_000_000,
    });
    expect(records.map((r) => (r as { value: unknown }).value)).toEqual(['value-0', 'value-1', { base64: 'AAEC' }]);
    expect(await call('consume_ack', { connection: 'kafka-common', topic: 'orders' })).toBe('true');
    expect(await call('consume_receive', { connection: 'kafka-common', topic: 'orders', max_wait: '2s' })).toMatch(/^\[/);
    expect(await call('consume_close', { connection: 'kafka-common' })).toBe('true');
    const calls = await recorded();
    expect(calls.map((x) => x.method)).toEqual(['consume.init', 'consume.receive', 'consume.ack', 'consume.receive', 'consume.close']);
    expect(calls[0]!.params).toEqual({
      connection: 'kafka-common',
      group_options: { group_id: 'php-consumer', session_timeout: 45_000 },
      consume_options: { topics: ['orders'], offset: 'at_start' },
    });
    expect(calls[1]!.params).toEqual({ connection: 'kafka-common', topic: 'orders', size: 10 });
    expect(calls[3]!.params).toEqual({ connection: 'kafka-common', topic: 'orders', size: 1, max_wait_ms: 2000 });
  });

  it('App.Kafka reports bad payloads by field and passes the Kafka actor errors through', async () => {
    const r = await text('App.Kafka', php({ action: 'produce', produce_message: { connection: 'kafka-common', topic: '', value: 1 } }));
    expect(r).toBe(
      'INVALID_PARAMS: payload.produce_message.topic: must be a non-empty string; payload.produce_message.value: Invalid input: expected string, received number\n' +
        'data: {"fields":["payload.produce_message.topic","payload.produce_message.value"]}',
    );
    expect(await text('App.Kafka', php({ action: 'delete' }))).toMatch(/^INVALID_PARAMS: payload.action: must be one of produce, consume_init/);
    expect(await text('App.Kafka', php({ action: 'consume_ack', consume_ack_message: { connection: 'missing', topic: 't' } }))).toBe(
      "KAFKA_UNKNOWN_CONNECTION: no connection 'missing'",
    );
    await recorded();
  });
});

describe('App API over TCP, without the unix socket (docs/security.md)', () => {
  it('refuses App.Shutdown, refuses App.Init that would add a connection, and accepts one that changes nothing', async () => {
    const { d, c, tcp } = await startWith({ kafka: { module: './test/fixtures/actors/kafka-recorder.ts' } });
    const t = await tcp();
    try {
      expect((await t.call('App.Shutdown', php(''))).body.toString()).toMatch(/^FORBIDDEN: /);
      const init = php({ kafka: { 'kafka-common': { brokers: ['localhost:9092'] } } });
      expect((await t.call('App.Init', init)).body.toString()).toMatch(/^FORBIDDEN: App.Init would add Kafka connection 'kafka-common'/);
      expect((await c.call('App.Init', init)).body.toString()).toBe('true');
      await c.call('Kafka.Recorded', Buffer.alloc(0));
      // Now it exists: the same call over TCP answers true and changes nothing.
      expect((await t.call('App.Init', php({ kafka: { 'kafka-common': { brokers: ['evil:9092'] } } }))).body.toString()).toBe('true');
      const forwarded = JSON.parse((await c.call('Kafka.Recorded', Buffer.alloc(0))).body.toString()) as { method: string }[];
      expect(forwarded.filter((r) => r.method === 'connections.set')).toEqual([]);
      expect((await t.call('Kafka.Connections.Set', json({ name: 'kafka-common', config: { brokers: ['evil:9092'] } }))).body.toString()).toMatch(/^FORBIDDEN: /);
      expect((await t.call('Sys.Ping', Buffer.alloc(0))).body.toString()).toBe('"pong"');
    } finally {
      t.close();
      c.close();
      await d.stop();
    }
  });
});

describe('App API without a Kafka actor, and App.Shutdown', () => {
  it('says which actor is missing, and App.Shutdown answers true then drains and stops the daemon', async () => {
    // kafka is a built-in actor: switch it off to see the API without it
    const { d, c } = await startWith({ kafka: { enabled: false } });
    const r = await c.call('App.Kafka', php({ action: 'consume_close', consume_close_message: { connection: 'x' } }));
    expect(r.body.toString()).toBe(
      "UNKNOWN_METHOD: App.Kafka: action consume_close needs it, but this daemon runs no Kafka actor 'kafka' (docs/kafka.md: enabling it)",
    );
    expect((await c.call('App.Init', php({ application: { name: 'a' } }))).body.toString()).toBe('true');
    expect((await c.call('App.Shutdown', php(''))).body.toString()).toBe('true');
    await d.daemon.stopped;
    await c.closed;
    await d.stop();
  });

  it('ignores App.Shutdown when app.shutdown is "ignore"', async () => {
    const { d, c } = await startWith({}, { shutdown: 'ignore' });
    expect((await c.call('App.Shutdown', Buffer.alloc(0))).body.toString()).toBe('true');
    expect((await c.call('Sys.Ping', Buffer.alloc(0))).body.toString()).toBe('"pong"');
    c.close();
    await d.stop();
  });
});

describe('App.Init TLS files, checked by the real Kafka actor', () => {
  it('opens only paths kafka.tlsFiles lists, refuses a missing one naming the field, and takes PEM text inline', async () => {
    const { d, c } = await startWith({}, {}, { tlsFiles: ['/nonexistent/listed-ca.pem'] });
    const init = async (name: string, driver: string, root_ca: string): Promise<string> =>
      (await c.call('App.Init', php({ kafka: { [name]: { brokers: ['127.0.0.1:1'], driver, tls: { enabled: true, root_ca } } } }))).body.toString();
    // Not listed: refused before any file is looked at, whatever the driver.
    for (const driver of ['kafkajs', 'memory']) {
      expect(await init(`u-${driver}`, driver, '/etc/shadow')).toMatch(/^INVALID_PARAMS: configs\.kafka\.u-\w+: params\.config\.tls\.root_ca: send the PEM text, or a path the config lists in kafka\.tlsFiles/);
    }
    const listed = await init('k', 'kafkajs', '/nonexistent/listed-ca.pem');
    expect(listed).toContain('configs.kafka.k');
    expect(listed).toContain('tls.root_ca: cannot open /nonexistent/listed-ca.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(await init('inline', 'memory', pem)).toBe('true');
    c.close();
    await d.stop();
  });
});

describe('App.Kafka produce_messages with the real Kafka actor (memory driver)', () => {
  it('produces many records per call, consumes them back, and names a bad record in the payload\'s terms', async () => {
    const { d, c } = await startWith({});
    const call = async (payload: unknown): Promise<string> => (await c.call('App.Kafka', php(payload))).body.toString();
    try {
      expect(await c.call('App.Init', php({ kafka: { dev: { brokers: ['memory-app-api:9092'], auto_create_topics_enable: true } } })).then((r) => r.body.toString())).toBe('true');
      const produce = (messages: unknown[], sync_mode: boolean): Promise<string> =>
        call({ action: 'produce', produce_messages: { connection: 'dev', topic: 'orders', messages, sync_mode } });
      expect(await produce([{ value: 'a', key: 'k1' }, { value: 'b', headers: { source: 'php-app' } }], true)).toBe('true');
      expect(await produce([{ value: 'c' }, { value: 'd' }], false)).toBe('true');
      expect(await produce([{ value: 'ok' }, { value: 5 }], true)).toBe(
        'INVALID_PARAMS: payload.produce_messages.messages[1].value must be a string, bytes, or {"base64": "<standard base64>"}\n' +
          'data: {"field":"messages[1].value"}',
      );
      const partial = await produce([{ value: 'e', partition: 0 }, { value: 'x', partition: 3 }], true);
      expect(partial).toMatch(/^KAFKA_BATCH_PARTIAL: 1 of 2 records were not acknowledged — messages\[1\]: KAFKA_UNKNOWN_PARTITION: /);
      expect(
        await call({ action: 'consume_init', consume_init_message: { connection: 'dev', group_options: { group_id: 'g' }, consume_options: { topics: ['orders'], offset: 'AtStart' } } }),
      ).toBe('true');
      const got: { value: string; key: string | null; headers: Record<string, string> }[] = [];
      for (let i = 0; i < 20 && got.length < 5; i++) {
        got.push(...(JSON.parse(await call({ action: 'consume_receive', consume_receive_message: { connection: 'dev', topic: 'orders', size: 10 } })) as typeof got));
      }
      expect(got.map((r) => r.value)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(got[0]!.key).toBe('k1');
      expect(got[1]!.headers).toEqual({ source: 'php-app' });
    } finally {
      c.close();
      await d.stop();
    }
  });
});

describe('App.Init logging', () => {
  it('logs the connections without passwords', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino({ level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    const ctx = {
      config: { app: { enabled: true, kafkaActor: 'kafka', shutdown: 'stop' } },
      log,
      has: () => true,
      call: async () => undefined,
    } as unknown as FeatureContext<KafkaSections>;
    const api = new AppApi(ctx);
    const at = (deadline: number): MainCallContext => ({ method: 'app.init', deadline, caller: { open: true, grants: ALL_GRANTS, resolve: () => {}, reject: () => {} } });
    expect(await api.init(JSON.stringify(CONFIGS), at(Date.now() + 1000))).toBe(true);
    await expect(api.init({ kafka: { k: { brokers: ['h:1'], sasl: { type: 'x', password: 'hunter2-secret' } } } }, at(0))).rejects.toThrow(
      /configs.kafka.k.sasl/,
    );
    const all = lines.join('');
    expect(all).toContain('aliyun-kafka-public');
    expect(all).toContain('scram_sha_256');
    expect(all).not.toContain('hunter2');
  });
});
