// The Grafana dashboard and the Prometheus alert rules may only use metric
// names that a running daemon actually exposes on /metrics (feature metrics
// are declared at start, before their actors report anything).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { parseProm } from '../helpers/prom.ts';
import { alertExprs, dashboardExprs, metricNames, SYNTHETIC } from '../helpers/promql.ts';

describe('dashboard and alert rules use real metric names', () => {
  let d: TestDaemon;
  let exposed: Set<string>;
  beforeAll(async () => {
    d = await startTestDaemon({});
    const url = (d.daemon.status().sections.ops as { metricsUrl: string }).metricsUrl;
    const { types } = parseProm(await (await fetch(`${url}/metrics`)).text());
    exposed = new Set<string>();
    for (const [name, type] of types) {
      exposed.add(name);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exposed.add(name + s);
    }
  });
  afterAll(() => d.stop());

  it('the name extractor understands the PromQL used', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, method) (rate(outrigger_request_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))')).toEqual([
      'outrigger_request_duration_seconds_bucket',
    ]);
    expect(metricNames('outrigger_actor_queue_depth / outrigger_actor_queue_limit > 0.8')).toEqual(['outrigger_actor_queue_depth', 'outrigger_actor_queue_limit']);
    expect(metricNames('count(x == 1) or vector(0)')).toEqual(['x']);
  });

  it('every dashboard query selects metrics that /metrics has', () => {
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(30);
    const missing = exprs.flatMap((e) => metricNames(e).filter((n) => !exposed.has(n) && !SYNTHETIC.has(n)).map((n) => `${n}  in  ${e}`));
    expect(missing).toEqual([]);
  });

  it('every alert rule selects metrics that /metrics has, and covers the usual service alerts (down, error rate, open breaker)', () => {
    const rules = alertExprs();
    const missing = rules.flatMap((r) => metricNames(r.expr).filter((n) => !exposed.has(n) && !SYNTHETIC.has(n)).map((n) => `${r.alert}: ${n}`));
    expect(missing).toEqual([]);
    const names = rules.map((r) => r.alert);
    for (const a of ['OutriggerDown', 'OutriggerHighErrorRate', 'OutriggerCircuitBreakerOpen', 'OutriggerKafkaConsumerLag', 'OutriggerRequestTimeouts']) expect(names).toContain(a);
    for (const r of rules) expect(r, r.alert).toMatchObject({ labels: { severity: expect.stringMatching(/^(critical|warning)$/) }, annotations: { summary: expect.any(String) } });
  });
});
