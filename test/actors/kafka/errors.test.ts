// Which failures open a connection's circuit and which ones async records are retried for.
import { describe, expect, it } from 'vitest';
import { isBackendFailure, isTransient, kafkaError } from '../../../actors/kafka/errors.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

describe('kafka error classes', () => {
  it('an unreachable or silent cluster counts against the circuit; one broker failing while others answer does not', () => {
    expect(isBackendFailure(kafkaError('KAFKA_UNREACHABLE', 'down'))).toBe(true);
    expect(isBackendFailure(kafkaError('KAFKA_TIMEOUT', 'slow', { type: 'REQUEST_TIMED_OUT' }))).toBe(true);
    expect(isBackendFailure(kafkaError('KAFKA_AUTH_FAILED', 'no'))).toBe(true);
    expect(isBackendFailure(kafkaError('KAFKA_UNREACHABLE', 'broker 2 down', { broker: '127.0.0.1:19192', clusterUp: true }))).toBe(false);
    expect(isBackendFailure(kafkaError('KAFKA_TIMEOUT', 'broker 2 silent', { clusterUp: true }))).toBe(false);
    // Caller mistakes and a partition short of replicas: the brokers answer.
    expect(isBackendFailure(kafkaError('KAFKA_UNKNOWN_TOPIC', 'x'))).toBe(false);
    expect(isBackendFailure(kafkaError('KAFKA_NOT_ENOUGH_REPLICAS', 'isr 1 < 2'))).toBe(false);
  });

  it('async records are retried through connectivity failures and missing replicas, not through caller mistakes', () => {
    for (const code of ['KAFKA_UNREACHABLE', 'KAFKA_TIMEOUT', 'KAFKA_NOT_ENOUGH_REPLICAS', 'CIRCUIT_OPEN']) expect(isTransient(new OutriggerError(code, 'x'))).toBe(true);
    expect(isTransient(kafkaError('KAFKA_ERROR', 'not leader', { type: 'NOT_LEADER_OR_FOLLOWER', retriable: true }))).toBe(true);
    expect(isTransient(kafkaError('KAFKA_ERROR', 'corrupt', { type: 'CORRUPT_MESSAGE', retriable: false }))).toBe(false);
    expect(isTransient(kafkaError('KAFKA_MESSAGE_TOO_LARGE', 'big'))).toBe(false);
  });
});
