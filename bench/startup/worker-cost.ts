// bench/startup: what one idle worker thread costs, and how much of it is the
// TypeScript loader. Starts --workers idle workers of each kind in a fresh
// process and reads its RSS and thread count from /proc after --settle
// seconds: a plain worker, and one that registers tsx's loader the way
// runtime/actor/worker-boot.mjs does (Node 20 runs module.register hooks on
// a thread of their own, one per worker that registers them).
//
//   node bin/run-ts.mjs bench/startup/worker-cost.ts [--workers 4] [--settle 4] [--runs 3]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, median, numberOption } from '../lib/stats.ts';
import { loadAverage } from '../goridge/servers.ts';

const WORKERS = numberOption('workers', 4);
const SETTLE_S = numberOption('settle', 4);
const RUNS = numberOption('runs', 3);
const TSX_API = new URL('../../node_modules/tsx/dist/esm/api/index.mjs', import.meta.url).href;

type Kind = 'none' | 'plain' | 'tsx';

// Runs in a child `node --input-type=module`: no tsx on its main thread, so only the workers differ.
const child = (kind: Kind): string => `
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
const body = ${JSON.stringify(kind === 'tsx' ? `import { register } from '${TSX_API}'; register(); setInterval(() => {}, 60000);` : 'setInterval(() => {}, 60000);')};
const ready = [];
for (let i = 0; i < ${kind === 'none' ? 0 : WORKERS}; i++) {
  const w = new Worker(new URL('data:text/javascript,' + encodeURIComponent(body)));
  ready.push(new Promise((r) => w.once('online', r)));
}
await Promise.all(ready);
await new Promise((r) => setTimeout(r, ${SETTLE_S * 1000}));
const s = readFileSync('/proc/self/status', 'utf8');
console.log(JSON.stringify({ rss: Number(/VmRSS:\\s+(\\d+)/.exec(s)[1]) / 1024, threads: Number(/Threads:\\s+(\\d+)/.exec(s)[1]) }));
process.exit(0);
`;

function sample(kind: Kind): { rss: number; threads: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child(kind)], { encoding: 'utf8', cwd: fileURLToPath(new URL('../../', import.meta.url)) });
  if (r.status !== 0) throw new Error(`${kind}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as { rss: number; threads: number };
}

const kinds: Kind[] = ['none', 'plain', 'tsx'];
const out = new Map<Kind, { rss: number; threads: number }[]>(kinds.map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) for (const k of kinds) out.get(k)!.push(sample(k));
const med = (k: Kind, f: 'rss' | 'threads'): number => median(out.get(k)!.map((s) => s[f]));
console.log(`bench/startup worker cost: ${WORKERS} idle workers, ${SETTLE_S} s idle, ${RUNS} runs, medians; ${loadAverage()}`);
console.log('workers                       RSS MiB  threads  MiB per worker');
for (const k of kinds) {
  const per = k === 'none' ? '' : fmt((med(k, 'rss') - med('none', 'rss')) / WORKERS, 1);
  const label = { none: 'none (the process alone)', plain: 'plain worker', tsx: 'worker with tsx registered' }[k];
  console.log(`${label.padEnd(28)}  ${fmt(med(k, 'rss')).padStart(7)}  ${fmt(med(k, 'threads')).padStart(7)}  ${per.padStart(14)}`);
}
