// samples.csv: one row per sample, the measures then each load's count, so a
// recorded run can be summarized and plotted again (run.ts --samples FILE).
import type { Sample } from './sample.ts';

const COLUMNS = ['t', 'rssMb', 'heapMb', 'workerHeapMb', 'externalMb', 'handles', 'eldP99Ms', 'cpuPct', 'errors'] as const;

export function samplesToCsv(samples: readonly Sample[]): string {
  const loads = Object.keys(samples[0]?.done ?? {});
  const rows = samples.map((s) => [...COLUMNS.map((c) => s[c].toFixed(2)), ...loads.map((n) => s.done[n])].join(','));
  return [[...COLUMNS, ...loads].join(','), ...rows].join('\n') + '\n';
}

export function samplesFromCsv(text: string): Sample[] {
  const [head, ...lines] = text.trim().split('\n');
  const names = head!.split(',');
  const loads = names.slice(COLUMNS.length);
  return lines.map((line) => {
    const v = line.split(',').map(Number);
    const s = Object.fromEntries(COLUMNS.map((c, i) => [c, v[i]!])) as Omit<Sample, 'done'>;
    return { ...s, done: Object.fromEntries(loads.map((n, i) => [n, v[COLUMNS.length + i]!])) };
  });
}
