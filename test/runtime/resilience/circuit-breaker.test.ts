import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../runtime/resilience/circuit-breaker.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const boom = (code = 'KAFKA_UNREACHABLE'): Promise<never> => Promise.reject(new OutriggerError(code, 'no broker'));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as OutriggerError).code;
  }
}

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive failures and refuses with CIRCUIT_OPEN naming the backend', async () => {
    const c = clock();
    const b = new CircuitBreaker('kafka/main', { failureThreshold: 3, resetTimeoutMs: 1000, halfOpenMax: 1, now: c.now });
    for (let i = 0; i < 3; i++) expect(await codeOf(b.call(() => boom()))).toBe('KAFKA_UNREACHABLE');
    expect(b.state).toBe('open');
    let calls = 0;
    const err = await b.call(() => ++calls).catch((e: OutriggerError) => e);
    expect(calls).toBe(0);
    expect(err).toBeInstanceOf(OutriggerError);
    expect((err as OutriggerError).code).toBe('CIRCUIT_OPEN');
    expect((err as OutriggerError).data).toMatchObject({
      backend: 'kafka/main',
      retryInMs: 1000,
      lastError: { code: 'KAFKA_UNREACHABLE', message: 'no broker' },
    });
    expect(b.rejected).toBe(1);
  });

  it('a success resets the consecutive count', async () => {
    const b = new CircuitBreaker('x', { failureThreshold: 2 });
    await codeOf(b.call(() => boom()));
    await b.call(() => 1);
    await codeOf(b.call(() => boom()));
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(1);
  });

  it('half-opens after resetTimeoutMs, admits halfOpenMax trials, closes on success', async () => {
    const c = clock();
    const b = new CircuitBreaker('x', { failureThreshold: 1, resetTimeoutMs: 500, halfOpenMax: 2, now: c.now });
    await codeOf(b.call(() => boom()));
    c.advance(499);
    expect(b.state).toBe('open');
    c.advance(1);
    expect(b.state).toBe('half-open');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const t1 = b.call(() => gate.then(() => 'a'));
    const t2 = b.call(() => gate.then(() => 'b'));
    expect(await codeOf(b.call(() => 'c'))).toBe('CIRCUIT_OPEN');
    release();
    expect(await Promise.all([t1, t2])).toEqual(['a', 'b']);
    expect(b.state).toBe('closed');
  });

  it('a failed trial opens the circuit again for a full reset period', async () => {
    const c = clock();
    const b = new CircuitBreaker('x', { failureThreshold: 3, resetTimeoutMs: 100, halfOpenMax: 1, now: c.now });
    for (let i = 0; i < 3; i++) await codeOf(b.call(() => boom()));
    c.advance(100);
    expect(await codeOf(b.call(() => boom()))).toBe('KAFKA_UNREACHABLE');
    expect(b.state).toBe('open');
    expect(b.opens).toBe(2);
    c.advance(99);
    expect(await codeOf(b.call(() => 1))).toBe('CIRCUIT_OPEN');
  });

  it('ignores errors isFailure rejects (caller mistakes say nothing about the backend)', async () => {
    const b = new CircuitBreaker('x', { failureThreshold: 1, isFailure: (e) => (e as OutriggerError).code === 'KAFKA_UNREACHABLE' });
    expect(await codeOf(b.call(() => boom('KAFKA_UNKNOWN_TOPIC')))).toBe('KAFKA_UNKNOWN_TOPIC');
    expect(b.state).toBe('closed');
    expect(await codeOf(b.call(() => boom('KAFKA_UNREACHABLE')))).toBe('KAFKA_UNREACHABLE');
    expect(b.state).toBe('open');
  });

  it('check() refuses without running anything; recordSuccess()/recordFailure() feed observations from outside call()', () => {
    const b = new CircuitBreaker('x', { failureThreshold: 2 });
    b.recordFailure(new Error('a'));
    b.check();
    b.recordFailure(new Error('b'));
    expect(() => b.check()).toThrow(/failing fast/);
    expect(b.openError().code).toBe('CIRCUIT_OPEN');
    expect(b.snapshot()).toMatchObject({ backend: 'x', state: 'open', consecutiveFailures: 2, failures: 2, rejected: 1, opens: 1 });
    b.recordSuccess();
    expect(b.state).toBe('closed');
  });

  it('rejects nonsense options', () => {
    expect(() => new CircuitBreaker('x', { failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker('x', { halfOpenMax: 0 })).toThrow(RangeError);
  });
});
