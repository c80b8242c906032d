// kafkajs errors → coded errors, using kafkajs' own error classes and its
// protocol error table (the broker peer has no authorizer, so authorization
// failures are checked here rather than provoked).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fromKafkaJS } from '../../../../actors/kafka/kafkajs/errors.ts';
import { OutriggerError } from '../../../../runtime/errors/error.ts';

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };
const errors = require('kafkajs/src/errors.js') as Record<string, new (...args: unknown[]) => Error>;

/** What kafkajs' retrier throws after the last attempt. */
const exhausted = (cause: Error): Error => new errors.KafkaJSNumberOfRetriesExceeded!(cause, { retryCount: 3, retryTime: 100, cause });

describe('fromKafkaJS', () => {
  it.each([
    [10, 'MESSAGE_TOO_LARGE', 'KAFKA_MESSAGE_TOO_LARGE'],
    [18, 'RECORD_LIST_TOO_LARGE', 'KAFKA_MESSAGE_TOO_LARGE'],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', 'KAFKA_UNKNOWN_TOPIC'],
    [29, 'TOPIC_AUTHORIZATION_FAILED', 'KAFKA_NOT_AUTHORIZED'],
    [30, 'GROUP_AUTHORIZATION_FAILED', 'KAFKA_NOT_AUTHORIZED'],
    [31, 'CLUSTER_AUTHORIZATION_FAILED', 'KAFKA_NOT_AUTHORIZED'],
    [58, 'SASL_AUTHENTICATION_FAILED', 'KAFKA_AUTH_FAILED'],
    [7, 'REQUEST_TIMED_OUT', 'KAFKA_TIMEOUT'],
    [19, 'NOT_ENOUGH_REPLICAS', 'KAFKA_NOT_ENOUGH_REPLICAS'],
    [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'KAFKA_NOT_ENOUGH_REPLICAS'],
    [27, 'REBALANCE_IN_PROGRESS', 'KAFKA_COMMIT_FAILED'],
    [22, 'ILLEGAL_GENERATION', 'KAFKA_COMMIT_FAILED'],
  ])('protocol error %i (%s) → %s, directly and wrapped in retries', (code, type, expected) => {
    const e = createErrorFromCode(code);
    expect((e as { type?: string }).type).toBe(type);
    for (const err of [e, exhausted(e)]) {
      const mapped = fromKafkaJS(err, 'produce to t');
      expect(mapped.code).toBe(expected);
      expect(mapped.data).toMatchObject({ type });
      expect(mapped.message).toContain('produce to t');
    }
  });

  it('keeps the Kafka error name for anything else, with whether it is retriable', () => {
    const mapped = fromKafkaJS(createErrorFromCode(6), 'x'); // NOT_LEADER_FOR_PARTITION
    expect(mapped.code).toBe('KAFKA_ERROR');
    expect(mapped.data).toEqual({ type: 'NOT_LEADER_FOR_PARTITION', retriable: true });
  });

  it('maps refused connections to KAFKA_UNREACHABLE and TLS failures to KAFKA_AUTH_FAILED', () => {
    const refused = new errors.KafkaJSConnectionError!('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1', code: 'ECONNREFUSED' });
    expect(fromKafkaJS(exhausted(refused), 'connect')).toMatchObject({ code: 'KAFKA_UNREACHABLE', data: { broker: '127.0.0.1:1' } });
    const tls = new errors.KafkaJSConnectionError!('Connection error: self-signed certificate in certificate chain', { broker: 'b:1' });
    expect(fromKafkaJS(tls, 'connect').code).toBe('KAFKA_AUTH_FAILED');
    expect(fromKafkaJS(new errors.KafkaJSConnectionClosedError!('Closed connection', { host: 'h', port: 1 }), 'x').code).toBe('KAFKA_UNREACHABLE');
    expect(fromKafkaJS(new errors.KafkaJSRequestTimeoutError!('Request Produce timed out'), 'x').code).toBe('KAFKA_TIMEOUT');
    expect(fromKafkaJS(new errors.KafkaJSSASLAuthenticationError!('SASL SCRAM SHA256 authentication failed'), 'x').code).toBe('KAFKA_AUTH_FAILED');
    expect(fromKafkaJS(new errors.KafkaJSNoBrokerAvailableError!('no broker'), 'x').code).toBe('KAFKA_UNREACHABLE');
  });

  it('passes our own coded errors through from inside kafkajs wrappers', () => {
    const own = new OutriggerError('KAFKA_UNKNOWN_PARTITION', 'no partition 7');
    expect(fromKafkaJS(new errors.KafkaJSNonRetriableError!(own, { cause: own }), 'x')).toBe(own);
  });

  it('never lets a Node errno such as ECONNREFUSED leak out as a code', () => {
    const plain = Object.assign(new Error('boom'), { code: 'ECONNRESET' });
    const mapped = fromKafkaJS(plain, 'x');
    expect(mapped.code).toBe('KAFKA_ERROR');
    expect(mapped.data).toMatchObject({ type: 'Error' });
  });
});
