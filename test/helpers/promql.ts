// Metric names the deploy/ files and docs/metrics.md use: the PromQL of the
// Grafana dashboard and the Prometheus alert rules, and the metric tables of
// the docs. Tests check them against what a daemon serves on /metrics.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);
/** Series Prometheus itself makes for every scrape target. */
export const SYNTHETIC = new Set(['up']);

/** Metric names a PromQL expression selects (functions, labels, keywords and template variables removed). */
export function metricNames(expr: string): string[] {
  let e = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  e = e.replace(/\{[^}]*\}/g, ' ');
  e = e.replace(/\[[^\]]*\]/g, ' ');
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of e.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) {
    const after = e.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(')) continue; // a function call
    if (KEYWORDS.has(m[1]!.toLowerCase())) continue;
    names.push(m[1]!);
  }
  return [...new Set(names)];
}

export function dashboardExprs(): string[] {
  const dash = JSON.parse(readFileSync('deploy/grafana/outrigger-dashboard.json', 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

export function alertExprs(): { alert: string; expr: string }[] {
  const doc = parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/**
 * Every metric name in the tables of docs/metrics.md. A cell may shorten
 * later names of a family (`outrigger_actor_handled_total`, `…_failed_total`:
 * the second is `outrigger_actor_failed_total`); `process_*` stands for a
 * prefix and stays as written.
 */
export function docsMetricNames(path = 'docs/metrics.md'): string[] {
  const names = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line.split('|').slice(1, 3);
    for (const cell of cells) {
      let family = '';
      for (const m of cell.matchAll(/`([^`]+)`/g)) {
        const token = m[1]!;
        if (/^(outrigger|ipc|process|nodejs)_[a-z0-9_]*\*?$/.test(token)) {
          names.add(token);
          family = token.replace(/_[a-z0-9]+_total$/, '');
        } else if (token.startsWith('…_') && family) {
          names.add(family + token.slice(1));
        }
      }
    }
  }
  return [...names];
}
