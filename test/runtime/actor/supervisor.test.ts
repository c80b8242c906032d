import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../runtime/resilience/backoff.ts';
import { Supervisor, type SupervisedSlot } from '../../../runtime/actor/supervisor.ts';

function slot(lastBeat: number): SupervisedSlot & { abandoned: number } {
  return {
    index: 0,
    state: 'ready',
    lastBeat,
    restarts: new Backoff({ initialMs: 100, maxMs: 1000, jitter: 'none' }),
    abandoned: 0,
    spawn() {},
    abandon() {
      this.abandoned++;
    },
  };
}

describe('Supervisor heartbeat watchdog', () => {
  const opts = { heartbeatMs: 1000, hangTimeoutMs: 10_000, restartBackoffMs: { initial: 100, max: 1000 } };

  it('judges a worker hung when its heartbeats stop while the main thread runs', () => {
    const s = slot(0);
    const sup = new Supervisor([s], opts);
    for (let t = 1000; t <= 11_000; t += 1000) sup.checkHeartbeats(t);
    expect(s.abandoned).toBe(1);
  });

  it('judges nobody on the tick right after the main thread itself stalled (the heartbeats are still unread)', () => {
    const s = slot(0);
    const sup = new Supervisor([s], opts);
    sup.checkHeartbeats(1000);
    sup.checkHeartbeats(20_000); // 19 s late: a blocked main thread
    expect(s.abandoned).toBe(0);
    s.lastBeat = 20_100; // the queued heartbeats were read
    sup.checkHeartbeats(21_000);
    expect(s.abandoned).toBe(0);
    sup.checkHeartbeats(22_000); // a worker that really stopped is still caught, one tick later
    for (let t = 23_000; t <= 31_000; t += 1000) sup.checkHeartbeats(t);
    expect(s.abandoned).toBe(1);
  });
});
