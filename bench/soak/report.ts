// What a soak run concludes from its samples: slopes after warm-up (least
// squares, per hour), rates per load, and the plot as a standalone SVG.
import type { Sample } from './sample.ts';

/** Least-squares slope of y over t, per hour (t in seconds). */
export function slopePerHour(points: readonly { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3600;
}

export interface Summary {
  seconds: number;
  warmupSeconds: number;
  samples: number;
  rssMb: Series;
  heapMb: Series;
  workerHeapMb: Series;
  handles: { min: number; max: number; slopePerHour: number };
  eldP99Ms: { median: number; max: number };
  cpuPct: { mean: number };
  perSecond: Record<string, number>;
  errors: Record<string, { errors: number; skipped: number; first: string[] }>;
}

/** A measure after warm-up: first, last and highest value, its slope, and the slope of the later half alone (still settling, or level?). */
export interface Series {
  first: number;
  last: number;
  max: number;
  slopePerHour: number;
  laterHalfSlopePerHour: number;
}

function series(after: readonly Sample[], pick: (s: Sample) => number): Series {
  const ys = after.map(pick);
  const round = (v: number): number => Math.round(v * 10) / 10;
  const slope = (xs: readonly Sample[]): number => round(slopePerHour(xs.map((s) => ({ t: s.t, y: pick(s) }))));
  return {
    first: round(ys[0] ?? 0),
    last: round(ys.at(-1) ?? 0),
    max: round(Math.max(...ys)),
    slopePerHour: slope(after),
    laterHalfSlopePerHour: slope(after.slice(Math.floor(after.length / 2))),
  };
}

export function summarize(samples: readonly Sample[], warmupSeconds: number, errors: Summary['errors']): Summary {
  const after = samples.filter((s) => s.t >= warmupSeconds);
  const a = after[0]!;
  const z = after.at(-1)!;
  const eld = after.map((s) => s.eldP99Ms).sort((x, y) => x - y);
  const handles = after.map((s) => s.handles);
  return {
    seconds: Math.round(z.t),
    warmupSeconds,
    samples: after.length,
    rssMb: series(after, (s) => s.rssMb),
    heapMb: series(after, (s) => s.heapMb),
    workerHeapMb: series(after, (s) => s.workerHeapMb),
    handles: { min: Math.min(...handles), max: Math.max(...handles), slopePerHour: Math.round(slopePerHour(after.map((s) => ({ t: s.t, y: s.handles }))) * 10) / 10 },
    eldP99Ms: { median: Math.round(eld[Math.floor(eld.length / 2)]! * 10) / 10, max: Math.round(eld.at(-1)! * 10) / 10 },
    cpuPct: { mean: Math.round(after.reduce((n, s) => n + s.cpuPct, 0) / after.length) },
    perSecond: Object.fromEntries(Object.keys(z.done).map((k) => [k, Math.round(((z.done[k]! - a.done[k]!) / (z.t - a.t)) * 100) / 100])),
    errors,
  };
}

interface Panel {
  title: string;
  unit: string;
  lines: { label: string; color: string; pick: (s: Sample) => number }[];
}

const PANELS: Panel[] = [
  {
    title: 'memory',
    unit: 'MB',
    lines: [
      { label: 'RSS', color: '#1f77b4', pick: (s) => s.rssMb },
      { label: 'main heap used', color: '#ff7f0e', pick: (s) => s.heapMb },
      { label: 'worker heaps', color: '#2ca02c', pick: (s) => s.workerHeapMb },
      { label: 'external', color: '#9467bd', pick: (s) => s.externalMb },
    ],
  },
  { title: 'active handles', unit: '', lines: [{ label: 'handles', color: '#1f77b4', pick: (s) => s.handles }] },
  { title: 'event-loop delay p99 (per sample)', unit: 'ms', lines: [{ label: 'p99', color: '#d62728', pick: (s) => s.eldP99Ms }] },
  { title: 'daemon CPU', unit: '% of a core', lines: [{ label: 'cpu', color: '#8c564b', pick: (s) => s.cpuPct }] },
];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** The samples as four stacked panels (memory, handles, event-loop delay, CPU) over time, a dashed line at the end of warm-up. */
export function plotSvg(samples: readonly Sample[], warmupSeconds: number, title: string): string {
  const W = 900;
  const PH = 170;
  const L = 60;
  const R = 170;
  const T = 40;
  const tMax = Math.max(1, samples.at(-1)?.t ?? 1);
  const x = (t: number): number => L + ((W - L - R) * t) / tMax;
  const out: string[] = [];
  out.push(`<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  PANELS.forEach((p, i) => {
    const top = T + i * (PH + 30);
    const max = Math.max(1, ...samples.flatMap((s) => p.lines.map((l) => l.pick(s)))) * 1.1;
    const y = (v: number): number => top + PH - (PH * v) / max;
    out.push(`<rect x="${L}" y="${top}" width="${W - L - R}" height="${PH}" fill="none" stroke="#999"/>`);
    out.push(`<text x="${L}" y="${top - 6}" font-size="12">${esc(p.title)}${p.unit ? ` (${esc(p.unit)})` : ''}</text>`);
    for (const f of [0, 0.5, 1]) {
      out.push(`<text x="${L - 6}" y="${y(max * f) + 4}" font-size="10" text-anchor="end">${Math.round(max * f)}</text>`);
    }
    out.push(`<line x1="${x(warmupSeconds)}" y1="${top}" x2="${x(warmupSeconds)}" y2="${top + PH}" stroke="#bbb" stroke-dasharray="4 3"/>`);
    p.lines.forEach((l, j) => {
      const pts = samples.map((s) => `${x(s.t).toFixed(1)},${y(l.pick(s)).toFixed(1)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${l.color}" stroke-width="1.5" points="${pts}"/>`);
      out.push(`<text x="${W - R + 10}" y="${top + 14 + j * 16}" font-size="11" fill="${l.color}">${esc(l.label)}</text>`);
    });
  });
  const bottom = T + PANELS.length * (PH + 30) - 14;
  for (let k = 0; k <= 6; k++) {
    const t = (tMax * k) / 6;
    out.push(`<text x="${x(t)}" y="${bottom}" font-size="10" text-anchor="middle">${(t / 60).toFixed(1)} min</text>`);
  }
  const H = bottom + 12;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${out.join('\n')}\n</svg>\n`;
}
