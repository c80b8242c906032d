// bench/micro: tinybench micro-benchmarks of the codecs and hot-path pieces.
// Run: node bin/run-ts.mjs bench/micro/run.ts [--filter TEXT] [--time MS]
//   --filter  only cases whose "group: name" contains TEXT (case-insensitive);
//             a TEXT naming a group (e.g. envelope) imports only that group
//   --time    measuring time per case in ms (default 500)
// Prints one table: ns per operation and operations per second from the
// median sample (a sample the scheduler preempted moves the mean, not the
// median), and the mean with tinybench's relative margin of error (95%).
import { cpus, loadavg } from 'node:os';
import { Bench } from 'tinybench';
import type { MicroCase } from './case.ts';
import { numberOption } from '../lib/stats.ts';

const GROUPS: Record<string, () => Promise<{ cases: MicroCase[] }>> = {
  frames: () => import('./cases/frames.ts'),
  envelope: () => import('./cases/envelope.ts'),
  gob: () => import('./cases/gob.ts'),
  crc: () => import('./cases/crc.ts'),
  kafka: () => import('./cases/kafka-produce.ts'),
  deadlines: () => import('./cases/deadlines.ts'),
  batch: () => import('./cases/batch.ts'),
};

/** One tinybench sample lasts at least this long, so the clock's resolution and call overhead vanish. */
const SAMPLE_NS = 20_000;

function stringOption(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Calls of `run` per tinybench sample: enough to fill SAMPLE_NS, measured after a short warm-up. */
function callsPerSample(c: MicroCase): number {
  for (let i = 0; i < 200; i++) c.run();
  const n = 200;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) c.run();
  const perCall = Number(process.hrtime.bigint() - t0) / n;
  return Math.max(1, Math.ceil(SAMPLE_NS / Math.max(1, perCall)));
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtNs = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

async function main(): Promise<void> {
  const filter = stringOption('filter')?.toLowerCase();
  const time = numberOption('time', 500);
  const groupNames = Object.keys(GROUPS);
  // A filter that names a group loads only that group, so one group can be
  // measured on a checkout where the others' modules do not exist yet.
  const wanted = filter && groupNames.some((g) => g.includes(filter)) ? groupNames.filter((g) => g.includes(filter)) : groupNames;
  const selected: { group: string; c: MicroCase }[] = [];
  for (const group of wanted) {
    for (const c of (await GROUPS[group]!()).cases) {
      if (!filter || wanted.length < groupNames.length || `${group}: ${c.name}`.toLowerCase().includes(filter)) selected.push({ group, c });
    }
  }
  if (selected.length === 0) throw new Error(`no case matches --filter ${filter}`);

  const load = loadavg();
  console.log(`bench/micro — ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}, tinybench, ${time} ms per case`);
  console.log(`load average at start: ${load.map((l) => l.toFixed(2)).join(' ')}\n`);

  const bench = new Bench({ time, warmupTime: Math.min(200, time / 2) });
  const perCall = new Map<string, number>();
  for (const { group, c } of selected) {
    const calls = callsPerSample(c);
    const name = `${group}: ${c.name}`;
    perCall.set(name, calls * c.ops);
    bench.add(name, () => {
      for (let i = 0; i < calls; i++) c.run();
    });
  }
  await bench.run();

  const rows = bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== 'completed') return [t.name, r.state === 'errored' ? `error: ${r.error.message}` : r.state, '', '', ''];
    const ops = perCall.get(t.name)!;
    const median = (r.latency.p50 * 1e6) / ops;
    const mean = (r.latency.mean * 1e6) / ops;
    return [t.name, fmtNs(median), `${fmtNs(mean)} ±${r.latency.rme.toFixed(1)}%`, fmtInt(1e9 / median), String(r.latency.samplesCount)];
  });
  const head = ['case', 'ns/op', 'mean ± margin', 'ops/s', 'samples'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(head));
  console.log(`| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
  console.log(`\nload average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
