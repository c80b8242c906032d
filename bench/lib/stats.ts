/** Percentile of a sample (nearest rank), in the sample's unit. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(xs: readonly number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

export interface Latency {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

export function latency(samplesMs: number[]): Latency {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, n: s.length };
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** A numeric `--name value` option from the command line, or its default. */
export function numberOption(name: string, def: number, argv: readonly string[] = process.argv.slice(2)): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
}

/** What a load-generator run reports (bench/ipc, bench/goridge): rate, latency in ms, and the server's CPU. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server process CPU, 1.0 = one core. */
  cpu: number;
}
