import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../runtime/resilience/circuit-breaker.ts';
import { breakerSnapshots } from '../../../runtime/resilience/breakers.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const fail = (): Promise<never> => Promise.reject(new OutriggerError('BACKEND_DOWN', 'down'));
const ok = (): Promise<string> => Promise.resolve('ok');

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive failures and then fails fast with CIRCUIT_OPEN naming the backend', async () => {
    const c = clock();
    const b = new CircuitBreaker('kafka:main', { failureThreshold: 3, resetTimeoutMs: 1000, now: c.now });
    let calls = 0;
    const counted = (): Promise<never> => {
      calls++;
      return fail();
    };
    for (let i = 0; i < 3; i++) await expect(b.call(counted)).rejects.toMatchObject({ code: 'BACKEND_DOWN' });
    expect(b.state).toBe('open');
    await expect(b.call(counted)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', data: { backend: 'kafka:main', retryInMs: 1000 } });
    expect(calls).toBe(3);
    expect(b.snapshot()).toMatchObject({ state: 'open', rejected: 1, opens: 1, failures: 3 });
  });

  it('a success in between resets the consecutive count', async () => {
    const b = new CircuitBreaker({ name: 'es', failureThreshold: 2 });
    await expect(b.call(fail)).rejects.toThrow();
    await b.call(ok);
    await expect(b.call(fail)).rejects.toThrow();
    expect(b.state).toBe('closed');
  });

  it('half-opens after resetTimeoutMs, allows halfOpenMax trials, closes on success', async () => {
    const c = clock();
    const b = new CircuitBreaker('modbus:plc1', { failureThreshold: 1, resetTimeoutMs: 500, halfOpenMax: 1, now: c.now });
    await expect(b.call(fail)).rejects.toThrow();
    c.advance(499);
    expect(b.state).toBe('open');
    c.advance(1);
    expect(b.state).toBe('half-open');
    let release!: () => void;
    const trial = b.call(() => new Promise<string>((r) => (release = () => r('ok'))));
    // a second call while the only trial is running is refused
    await expect(b.call(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    release();
    await expect(trial).resolves.toBe('ok');
    expect(b.state).toBe('closed');
  });

  it('a failed trial opens it again for a full reset period', async () => {
    const c = clock();
    const b = new CircuitBreaker('x', { failureThreshold: 1, resetTimeoutMs: 100, now: c.now });
    await expect(b.call(fail)).rejects.toThrow();
    c.advance(100);
    await expect(b.call(fail)).rejects.toMatchObject({ code: 'BACKEND_DOWN' });
    expect(b.state).toBe('open');
    expect(b.snapshot().opens).toBe(2);
    expect(b.snapshot().retryInMs).toBe(100);
  });

  it('errors that are not the backend’s fault (bad params) do not count', async () => {
    const b = new CircuitBreaker('x', { failureThreshold: 1 });
    await expect(b.call(() => Promise.reject(new OutriggerError('INVALID_PARAMS', 'bad')))).rejects.toThrow();
    expect(b.state).toBe('closed');
  });

  it('reports state changes and is listed in the thread’s breaker snapshots until disposed', async () => {
    const seen: string[] = [];
    const b = new CircuitBreaker('listed', { failureThreshold: 1, onStateChange: (s, p) => seen.push(`${p}->${s}`) });
    await expect(b.call(fail)).rejects.toThrow();
    expect(seen).toEqual(['closed->open']);
    expect(breakerSnapshots().some((s) => s.backend === 'listed' && s.state === 'open')).toBe(true);
    b.dispose();
    expect(breakerSnapshots().some((s) => s.backend === 'listed')).toBe(false);
  });

  it('rejects nonsense options', () => {
    expect(() => new CircuitBreaker('x', { failureThreshold: 0 })).toThrow(/failureThreshold/);
  });
});
