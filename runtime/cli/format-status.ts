import type { DaemonStatus } from '../daemon/daemon.ts';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The terminal picture `outrigger status` prints. */
export function formatStatus(s: DaemonStatus): string {
  const out: string[] = [];
  out.push(`outrigger pid ${s.pid}  ${s.state}  up ${s.uptimeSec}s  rss ${mb(s.memory.rss)}  heap ${mb(s.memory.heapUsed)}`);
  out.push(`config: ${s.configFile ?? '(embedded defaults)'}`);
  out.push('');
  out.push(
    table([
      ['LISTENER', 'ADDRESS', 'CONNS', 'ACCEPTED', 'REFUSED'],
      ...s.listeners.map((l) => [l.name, l.bound.join(' '), String(l.connections), String(l.accepted), String(l.refused)]),
    ]),
  );
  out.push('');
  out.push(
    table([
      ['ACTOR', 'KIND', 'WORKERS', 'QUEUE', 'RESTARTS', 'RUN p50/p99 ms', 'WAIT p99 ms', 'HANDLED'],
      ...s.actors.map((a) => {
        const ready = a.workers.filter((w) => w.state === 'ready').length;
        const handled = a.workers.reduce((n, w) => n + (w.stats?.handled ?? 0), 0);
        const p50 = Math.max(0, ...a.workers.map((w) => w.stats?.runP50 ?? 0));
        const p99 = Math.max(0, ...a.workers.map((w) => w.stats?.runP99 ?? 0));
        const wait = Math.max(0, ...a.workers.map((w) => w.stats?.waitP99 ?? 0));
        return [
          a.name,
          a.kind,
          `${ready}/${a.workers.length}`,
          `${a.outstanding}/${a.maxQueue}`,
          String(a.restarts),
          `${p50.toFixed(3)}/${p99.toFixed(3)}`,
          wait.toFixed(3),
          String(handled),
        ];
      }),
    ]),
  );
  out.push('');
  const r = s.requests;
  out.push(
    `requests: in-flight ${r.inflight}  total ${r.total}  ok ${r.ok}  errors ${r.errors}  timeouts ${r.timeouts}  ` +
      `late ${r.lateReplies}  orphaned ${r.orphanReplies}  busy ${r.busy}`,
  );
  const codes = Object.entries(r.errorsByCode);
  if (codes.length > 0) out.push(`errors by code: ${codes.map(([c, n]) => `${c}=${n}`).join('  ')}`);
  for (const section of Object.values(s.sections ?? {})) {
    out.push('', section.title);
    if (section.table.length > 1) out.push(table(section.table));
  }
  return out.join('\n');
}
