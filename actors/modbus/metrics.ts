// The Modbus series of the metrics catalogue (runtime/metrics/catalogue.ts,
// docs/metrics.md), fed once per poll cycle, never per point.
import type { ActorContext } from '../../runtime/actor/api.ts';
import { actorMetrics } from '../../runtime/metrics/actor.ts';
import { FEATURE_METRICS } from '../../runtime/metrics/catalogue.ts';

export interface CycleOutcome {
  durationS: number;
  /** Values read with quality 1. */
  pointsRead: number;
  /** First error code of the cycle, or null when every read succeeded. */
  failure: string | null;
  /** Connected and the cycle succeeded. */
  up: boolean;
}

export interface PollMetrics {
  cycle(device: string, outcome: CycleOutcome): void;
  removed(device: string): void;
  close(): Promise<void>;
}

export function modbusMetrics(ctx: Pick<ActorContext, 'publish' | 'workerIndex'>): PollMetrics {
  const m = actorMetrics(ctx);
  const duration = m.histogram(FEATURE_METRICS.modbus.pollDuration);
  const up = m.gauge(FEATURE_METRICS.modbus.deviceUp);
  const read = m.counter(FEATURE_METRICS.modbus.pointsRead);
  const failures = m.counter(FEATURE_METRICS.modbus.pollFailures);
  return {
    cycle(device, o) {
      duration.labels(device).observe(o.durationS);
      up.labels(device).set(o.up ? 1 : 0);
      if (o.pointsRead > 0) read.labels(device).inc(o.pointsRead);
      if (o.failure) failures.labels(device, o.failure).inc();
    },
    removed(device) {
      up.remove(device);
    },
    close: () => m.close(),
  };
}
