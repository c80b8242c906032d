// One soak sample: the daemon's memory, handles and event-loop delay from its
// own /metrics (prom-client's process and Node.js metrics, the worker heaps),
// its RSS and CPU from /proc, and what each load completed since the start.
import { processCpuMs, processRssMiB } from '../lib/proc-cpu.ts';
import type { Load } from './pace.ts';

export interface Sample {
  /** Seconds since the loads started. */
  t: number;
  rssMb: number;
  heapMb: number;
  workerHeapMb: number;
  externalMb: number;
  handles: number;
  eldP99Ms: number;
  cpuPct: number;
  /** Per load: calls (or points, records) completed since the start. */
  done: Record<string, number>;
  errors: number;
}

/** Sum of every series of a metric (all label sets) in Prometheus text. */
export function metricSum(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.charCodeAt(name.length);
    if (rest !== 0x20 && rest !== 0x7b) continue; // ' ' or '{': the name itself, not a longer one
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum = (sum ?? 0) + v;
  }
  return sum;
}

export class Sampler {
  readonly samples: Sample[] = [];
  #lastCpu: { at: number; cpu: number };

  constructor(
    readonly pid: number,
    readonly metricsUrl: string,
    readonly loads: readonly Load[],
    readonly started: number,
  ) {
    this.#lastCpu = { at: performance.now(), cpu: processCpuMs(pid) / 1000 };
  }

  async take(): Promise<Sample> {
    const text = await fetch(this.metricsUrl).then((r) => r.text());
    const mb = (name: string): number => (metricSum(text, name) ?? 0) / 2 ** 20;
    const now = performance.now();
    const cpu = processCpuMs(this.pid) / 1000;
    const cpuPct = ((cpu - this.#lastCpu.cpu) / ((now - this.#lastCpu.at) / 1000)) * 100;
    this.#lastCpu = { at: now, cpu };
    const s: Sample = {
      t: (now - this.started) / 1000,
      rssMb: processRssMiB(this.pid),
      heapMb: mb('nodejs_heap_size_used_bytes'),
      workerHeapMb: mb('outrigger_actor_worker_heap_bytes'),
      externalMb: mb('nodejs_external_memory_bytes'),
      handles: metricSum(text, 'nodejs_active_handles_total') ?? 0,
      // prom-client resets its event-loop histogram at each scrape: this is the p99 since the last sample.
      eldP99Ms: (metricSum(text, 'nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000,
      cpuPct,
      done: Object.fromEntries(this.loads.map((l) => [l.name, l.counters.ok])),
      errors: this.loads.reduce((n, l) => n + l.counters.errors, 0),
    };
    this.samples.push(s);
    return s;
  }
}
