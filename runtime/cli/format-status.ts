import type { StatusTable } from '../feature/api.ts';
import type { DaemonStatus } from '../daemon/daemon.ts';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * A status section that wants a table in `outrigger status`: `table` is rows,
 * header first; `data` is the full detail for `--json` (the ES pipelines use it).
 */

function isStatusTable(v: unknown): v is StatusTable {
  const t = v as Partial<StatusTable> | null;
  return typeof t === 'object' && t !== null && typeof t.title === 'string' && Array.isArray(t.table) && t.table.every((r) => Array.isArray(r));
}

/** The 'ops' status section (runtime/daemon/ops.ts), as far as the table needs it. */
interface OpsSection {
  metricsUrl: string | null;
  ready: boolean;
  notReadyReasons: string[];
  rateLimited: Record<string, number>;
  breakers: { actor: string; worker: number; backend: string; state: string; consecutiveFailures: number; opens: number; rejected: number; retryInMs: number }[];
  reload: { applied: number; rejected: number; failed: number; last: { at: string; reason: string; rejected?: string; changes: string[] } | null };
  tracing: { endpoint: string; exported: number; dropped: number; failures: number; lastError: string | null } | null;
}

/** The terminal picture `outrigger status` prints. */
export function formatStatus(s: DaemonStatus): string {
  const out: string[] = [];
  const ops = s.sections?.ops as OpsSection | undefined;
  out.push(`outrigger pid ${s.pid}  ${s.state}  up ${s.uptimeSec}s  rss ${mb(s.memory.rss)}  heap ${mb(s.memory.heapUsed)}`);
  out.push(`config: ${s.configFile ?? '(embedded defaults)'}`);
  if (ops) {
    out.push(`health: ${ops.ready ? 'ready' : `NOT READY (${ops.notReadyReasons.join('; ')})`}  metrics: ${ops.metricsUrl ? `${ops.metricsUrl}/metrics` : 'disabled'}`);
  }
  out.push('');
  out.push(
    table([
      ['LISTENER', 'ADDRESS', 'CONNS', 'ACCEPTED', 'REFUSED', 'RATE-LIMITED'],
      ...s.listeners.map((l) => [
        l.name,
        l.bound.join(' '),
        String(l.connections),
        String(l.accepted),
        String(l.refused),
        ops && l.name in ops.rateLimited ? String(ops.rateLimited[l.name]) : '-',
      ]),
    ]),
  );
  out.push('');
  out.push(
    table([
      ['ACTOR', 'KIND', 'WORKERS', 'QUEUE', 'RESTARTS', 'RUN p50/p99 ms', 'WAIT p99 ms', 'HANDLED'],
      ...s.actors.map((a) => {
        const ready = a.workers.filter((w) => w.state === 'ready').length;
        // A lazily started actor before its first request: no thread yet.
        const idle = a.workers.filter((w) => w.state === 'idle').length;
        const handled = a.inline?.handled ?? a.workers.reduce((n, w) => n + (w.stats?.handled ?? 0), 0);
        const p50 = a.inline?.runP50 ?? Math.max(0, ...a.workers.map((w) => w.stats?.runP50 ?? 0));
        const p99 = a.inline?.runP99 ?? Math.max(0, ...a.workers.map((w) => w.stats?.runP99 ?? 0));
        const wait = Math.max(0, ...a.workers.map((w) => w.stats?.waitP99 ?? 0));
        return [
          a.name,
          a.kind,
          `${ready}/${a.workers.length}${idle > 0 ? ` (${idle} idle)` : ''}`,
          `${a.outstanding}/${a.maxQueue}`,
          String(a.restarts),
          `${p50.toFixed(3)}/${p99.toFixed(3)}`,
          wait.toFixed(3),
          String(handled),
        ];
      }),
    ]),
  );
  if (ops && ops.breakers.length > 0) {
    out.push('');
    out.push(
      table([
        ['BREAKER', 'ACTOR', 'WORKER', 'STATE', 'FAILS', 'OPENS', 'REJECTED', 'RETRY IN'],
        ...ops.breakers.map((b) => [
          b.backend,
          b.actor,
          String(b.worker),
          b.state === 'closed' ? 'closed' : b.state.toUpperCase(),
          String(b.consecutiveFailures),
          String(b.opens),
          String(b.rejected),
          b.state === 'open' ? `${(b.retryInMs / 1000).toFixed(1)}s` : '-',
        ]),
      ]),
    );
  }
  out.push('');
  const r = s.requests;
  out.push(
    `requests: in-flight ${r.inflight}  total ${r.total}  ok ${r.ok}  errors ${r.errors}  timeouts ${r.timeouts}  ` +
      `late ${r.lateReplies}  orphaned ${r.orphanReplies}  busy ${r.busy}`,
  );
  const codes = Object.entries(r.errorsByCode);
  if (codes.length > 0) out.push(`errors by code: ${codes.map(([c, n]) => `${c}=${n}`).join('  ')}`);
  if (ops) {
    const rl = ops.reload;
    let line = `reloads: applied ${rl.applied}  rejected ${rl.rejected}  failed ${rl.failed}`;
    if (rl.last) line += `  last ${rl.last.at} (${rl.last.reason}): ${rl.last.rejected ? `REJECTED: ${rl.last.rejected.split('\n')[0]}` : `${rl.last.changes.length} change(s)`}`;
    out.push(line);
    if (ops.tracing) {
      const t = ops.tracing;
      out.push(`tracing: ${t.endpoint}  exported ${t.exported}  dropped ${t.dropped}  failures ${t.failures}${t.lastError ? `  last error: ${t.lastError}` : ''}`);
    }
  }
  for (const [name, section] of Object.entries(s.sections ?? {})) {
    if (name === 'ops') continue;
    if (isStatusTable(section)) {
      out.push('', section.title);
      if (section.table.length > 1) out.push(table(section.table));
    } else out.push(`${name}: ${JSON.stringify(section)}`);
  }
  return out.join('\n');
}
