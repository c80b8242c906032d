import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../../actors/es/status.ts';

describe('RateMeter', () => {
  it('averages completed seconds over the window and forgets old ones', () => {
    let now = 1_000_000;
    const m = new RateMeter(5, () => now);
    for (let s = 0; s < 4; s++) {
      m.add(100);
      now += 1000;
    }
    expect(m.perSecond()).toBe(100);
    now += 10_000;
    expect(m.perSecond()).toBe(0);
  });
});

describe('status table in `outrigger status`', () => {
  it('renders the pipelines section under the daemon status', async () => {
    const { formatStatus } = await import('../../../runtime/cli/format-status.ts');
    const { statusTable } = await import('../../../actors/es/status.ts');
    const p = {
      name: 'shop',
      state: 'running' as const,
      cluster: 'opensearch http://127.0.0.1:9201',
      topics: ['canal.shop'],
      group: 'g',
      assignment: { 'canal.shop': [0] },
      lag: 12,
      partitions: [],
      docsPerSec: 1830,
      inFlight: { bulks: 1, ops: 120 },
      buffered: 0,
      counters: { messages: 1, rows: 1, indexed: 100, updated: 4, deleted: 2, stale: 3, deadLettered: 1, bulks: 1, retries: 0, commits: 1, skipped: { ddl: 1, no_handler: 5 } },
      lastError: null,
    };
    const text = formatStatus({
      pid: 1,
      startedAt: new Date(0).toISOString(),
      uptimeSec: 1,
      state: 'running',
      configFile: null,
      listeners: [],
      actors: [],
      requests: { inflight: 0, total: 0, ok: 0, errors: 0, timeouts: 0, lateReplies: 0, orphanReplies: 0, busy: 0,
      forbidden: 0, errorsByCode: {} },
      memory: process.memoryUsage(),
      sections: { pipelines: { title: 'ES pipelines (Canal → Kafka → cluster)', table: statusTable([p]), data: [p] } },
    } as Parameters<typeof formatStatus>[0]);
    expect(text).toContain('ES pipelines');
    expect(text).toMatch(/shop\s+running\s+12\s+1830\s+1\/120\s+0\s+100\s+4\s+2\s+3\s+1\s+6\s+-/);
  });
});
