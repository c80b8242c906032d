import { describe, expect, it } from 'vitest';
import { OutriggerError } from '../../../../runtime/errors/error.ts';
import { duration, parseAppConfigs, parseKafkaPayload } from '../../../../actors/kafka/app-api/schema.ts';
import { prng } from '../../../helpers/prng.ts';

function errorOf(f: () => unknown): OutriggerError {
  try {
    f();
  } catch (err) {
    return err as OutriggerError;
  }
  throw new Error('expected an error');
}

describe('App.Init configs', () => {
  it('accepts the Hi Framework sidecar\'s application.yaml blocks with defaults filled in', () => {
    const c = parseAppConfigs({
      application: { name: 'typing', module: 'jupiter', env: 'local', debug: true, runtime: 'swoole', timezone: 'UTC' },
      kafka: {
        'kafka-common': { brokers: ['host.docker.internal:9094'], auto_create_topics_enable: true },
        'aliyun-kafka-public': {
          brokers: ['your-aliyun-kafka-endpoint:9092'],
          tls: { enabled: true, cert: '/path/to/cert.pem', key: '/path/to/key.pem', root_ca: '/path/to/ca.pem' },
          sasl: { type: 'scram_sha_256', username: 'u', password: 'p' },
          ping: { timeout: '10s' },
        },
        v2: { brokers: ['10.0.0.2:9092', 'b-2.kafka.internal:9093'] },
      },
    });
    expect(c.application?.timezone).toBe('UTC');
    expect(c.kafka['v2']!.auto_create_topics_enable).toBeUndefined();
    expect(c.kafka['aliyun-kafka-public']!.ping!.timeout).toBe(10_000);
    expect(parseAppConfigs({ kafka: [] }).kafka).toEqual({});
    expect(parseAppConfigs({}).kafka).toEqual({});
  });

  it.each([
    [{ kafka: { k: { brokers: 'a:1' } } }, 'configs.kafka.k.brokers: Invalid input: expected array, received string'],
    [{ kafka: { k: { brokers: ['a:0'] } } }, 'configs.kafka.k.brokers.0: must be "host:port"'],
    [{ kafka: { k: { brokers: ['a:1'], sasl: { type: 'plain', username: '' , password: 'x' } } } }, 'configs.kafka.k.sasl.username: must be a non-empty string'],
    [{ kafka: { k: { brokers: ['a:1'], tls: { enabled: true, key: '/k' } } } }, 'configs.kafka.k.tls.cert: cert and key must be given together'],
    [{ kafka: { k: { brokers: ['a:1'], ping: { timeout: 'soon' } } } }, 'configs.kafka.k.ping.timeout: must be a Go duration'],
    [{ kafka: { k: { brokers: ['a:1'], sasl: { type: 'plain', username: 'u', password: 'p', mechanism: 'x' } } } }, 'configs.kafka.k.sasl: Unrecognized key: "mechanism"'],
    [{ kafka: { 'bad name': { brokers: ['a:1'] } } }, 'connection names are 1-128 of'],
    [{ application: { debug: 'yes' } }, 'configs.application.debug: Invalid input: expected boolean'],
    ['x', 'configs: must be an object'],
  ])('refuses %j naming the field', (input, message) => {
    const e = errorOf(() => parseAppConfigs(input));
    expect(e.code).toBe('INVALID_PARAMS');
    expect(e.message).toContain(message);
  });

  it('parses Go durations and milliseconds', () => {
    expect(duration.parse('1m30s')).toBe(90_000);
    expect(duration.parse('250ms')).toBe(250);
    expect(duration.parse('1.5h')).toBe(5_400_000);
    expect(duration.parse(1500)).toBe(1500);
    expect(duration.safeParse('10').success).toBe(false);
    expect(duration.safeParse(-1).success).toBe(false);
  });
});

describe('App.Kafka payloads', () => {
  it('fills defaults the way the PHP bridge leaves them out', () => {
    const p = parseKafkaPayload({ action: 'produce', produce_message: { connection: 'c', topic: 't', value: '' } });
    expect(p).toEqual({ action: 'produce', field: 'produce_message', message: { connection: 'c', topic: 't', value: '', headers: {}, sync_mode: false } });
    const many = parseKafkaPayload({ action: 'produce', produce_messages: { connection: 'c', topic: 't', messages: [{ value: 'a' }, { value: 1 }] } });
    // The records are the Kafka actor's to check (in its worker); here only the envelope.
    expect(many).toEqual({ action: 'produce', field: 'produce_messages', message: { connection: 'c', topic: 't', messages: [{ value: 'a' }, { value: 1 }], sync_mode: false } });
    const r = parseKafkaPayload({ action: 'consume_receive', consume_receive_message: { connection: 'c', topic: 't' } });
    expect(r.message).toEqual({ connection: 'c', topic: 't', size: 1 });
    const i = parseKafkaPayload({
      action: 'consume_init',
      consume_init_message: { connection: 'c', group_options: { group_id: 'g' }, consume_options: { topics: ['t'], offset: 'latest' } },
    });
    expect(i.message).toMatchObject({ consume_options: { topics: ['t'], offset: 'latest' } });
    const bad = errorOf(() =>
      parseKafkaPayload({
        action: 'consume_init',
        consume_init_message: { connection: 'c', group_options: { group_id: 'g' }, consume_options: { topics: ['t'], offset: 'middle' } },
      }),
    );
    expect(bad.message).toContain('payload.consume_init_message.consume_options.offset: must be AtStart or AtEnd');
  });

  it.each([
    [{ action: 'produce' }, 'payload.produce_message: required for action produce'],
    [{ action: 'produce', produce_message: { connection: 'c', topic: 't', value: 'v', headers: { a: 1 } } }, 'payload.produce_message.headers.a: header values must be strings'],
    [{ action: 'produce', produce_message: { connection: 'c', topic: 't', value: 'v', sync: true } }, 'payload.produce_message: Unrecognized key: "sync"'],
    [{ action: 'produce', produce_messages: { connection: 'c', topic: 't', messages: [] } }, 'payload.produce_messages.messages: must hold at least one record'],
    [{ action: 'produce', produce_messages: { connection: 'c', topic: 't', messages: 'v' } }, 'payload.produce_messages.messages: must be a list of records'],
    [{ action: 'produce', produce_messages: { connection: 'c', messages: [{ value: 'v' }] } }, 'payload.produce_messages.topic'],
    [{ action: 'produce', produce_messages: { connection: 'c', topic: 't', messages: [{ value: 'v' }], value: 'v' } }, 'payload.produce_messages: Unrecognized key: "value"'],
    [
      { action: 'produce', produce_message: { connection: 'c', topic: 't', value: 'v' }, produce_messages: { connection: 'c', topic: 't', messages: [{ value: 'v' }] } },
      'payload.produce_messages: give one of produce_message, produce_messages, not both',
    ],
    [{ action: 'consume_ack', consume_ack_message: { connection: 'c', topic: 't' }, consume_ack_messages: {} }, 'payload.consume_ack_messages: unknown field for action consume_ack'],
    [{ action: 'consume_receive', consume_receive_message: { connection: 'c', topic: 't', size: 1.5 } }, 'payload.consume_receive_message.size'],
    [{ action: 'consume_init', consume_init_message: { connection: 'c', group_options: {}, consume_options: { topics: [] } } }, 'payload.consume_init_message.group_options.group_id'],
    [{ action: 'consume_close', consume_close_message: { connection: 'c' }, extra: 1 }, 'payload.extra: unknown field for action consume_close'],
    [[1, 2], 'payload: must be an object'],
  ])('refuses %j naming the field', (input, message) => {
    const e = errorOf(() => parseKafkaPayload(input));
    expect(e.code).toBe('INVALID_PARAMS');
    expect(e.message).toContain(message);
  });

  it('never throws anything but a coded INVALID_PARAMS on random shapes (seeded fuzz)', () => {
    const rnd = prng(0xa99);
    const int = (n: number): number => Math.floor(rnd() * n);
    const leaves = [null, true, 0, -1, 1.5, '', 'x', 'a:1', [], {}, ['t'], { k: 'v' }];
    const keys = ['action', 'produce_message', 'produce_messages', 'messages', 'connection', 'topic', 'value', 'headers', 'size', 'brokers', 'kafka', 'sasl', 'type', 'group_options'];
    const gen = (depth: number): unknown => {
      if (depth > 3 || int(3) === 0) return leaves[int(leaves.length)];
      if (int(4) === 0) return Array.from({ length: int(3) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < int(5); i++) o[keys[int(keys.length)]!] = gen(depth + 1);
      if (int(2) === 0) o.action = ['produce', 'consume_init', 'consume_receive', 'consume_ack', 'consume_close'][int(5)];
      return o;
    };
    for (let i = 0; i < 3000; i++) {
      const input = gen(0);
      for (const parse of [parseKafkaPayload, parseAppConfigs]) {
        try {
          parse(input);
        } catch (err) {
          expect(err).toBeInstanceOf(OutriggerError);
          expect((err as OutriggerError).code).toBe('INVALID_PARAMS');
        }
      }
    }
  });
});
