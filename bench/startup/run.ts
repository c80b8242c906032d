// Start-up to ready and memory, compiled vs run through tsx, side by side.
//
//   npm run build && node bin/run-ts.mjs bench/startup/run.ts [--rounds 5]
//
// Three ways of running the same daemon config (the built-in features, a
// user actor with W workers), interleaved round by round:
//   compiled     dist/ JavaScript, the user actor in JavaScript: no TypeScript loader at all
//   compiled+ts  dist/ JavaScript, the user actor in TypeScript: tsx registered on demand
//                (main thread, and the user actor's workers only)
//   source/tsx   the TypeScript source through tsx in every thread (a clone; before the build)
// For each: ms from spawn to the `OUTRIGGER READY` line, the daemon's RSS once
// idle, and RSS per worker thread (the difference between W=1 and W=5 user
// workers, divided by 4). Medians over the rounds.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processRssMiB } from '../lib/proc-cpu.ts';
import { median, numberOption } from '../lib/stats.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/outrigger.mjs');
const rounds = numberOption('rounds', 5);

const ACTOR = (ts: boolean): string => `
export default {
  name: 'echo',
  kind: 'pooled',
  methods: ['echo'],
  create: () => ({ handlers: { echo: (p${ts ? ': unknown' : ''}) => p } }),
};
`;

interface Variant {
  name: string;
  dist: boolean;
  ts: boolean;
}
const VARIANTS: Variant[] = [
  { name: 'compiled', dist: true, ts: false },
  { name: 'compiled+ts', dist: true, ts: true },
  { name: 'source/tsx', dist: false, ts: true },
];


async function once(v: Variant, workers: number): Promise<{ readyMs: number; rssMiB: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-startup-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const actor = join(dir, v.ts ? 'echo.ts' : 'echo.js');
  writeFileSync(actor, ACTOR(v.ts));
  const config = join(dir, 'config.mjs');
  writeFileSync(
    config,
    `export default ${JSON.stringify({
      runDir: join(dir, 'run'),
      logLevel: 'warn',
      reload: { watch: false },
      listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { tcp: { host: '127.0.0.1', port: 0 } }, isp: { tcp: { host: '127.0.0.1', port: 0 } } },
      metrics: { http: { port: 0 } },
      actors: { echo: { module: actor, workers } },
    })};\n`,
  );
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'start', '--foreground', '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, OUTRIGGER_DIST: v.dist ? '1' : '0' },
  });
  const readyMs = await new Promise<number>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('OUTRIGGER READY')) ok(performance.now() - t0);
    });
    child.once('exit', (code) => fail(new Error(`${v.name}: daemon exited (${code}) before ready`)));
  });
  // Idle: let start-up garbage be collected and heartbeats settle.
  await new Promise((r) => setTimeout(r, 3000));
  const rssMiB = processRssMiB(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { readyMs, rssMiB };
}

if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: npm run build first');
const results = new Map<string, { ready: number[]; rss1: number[]; rss5: number[] }>(VARIANTS.map((v) => [v.name, { ready: [], rss1: [], rss5: [] }]));
console.log(`node ${process.version}, load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}, rounds ${rounds}`);
for (let r = 0; r < rounds; r++) {
  for (const v of VARIANTS) {
    const one = await once(v, 1);
    const five = await once(v, 5);
    const acc = results.get(v.name)!;
    acc.ready.push(one.readyMs);
    acc.rss1.push(one.rssMiB);
    acc.rss5.push(five.rssMiB);
  }
}
const base = results.get('compiled')!;
console.log('\n| variant | ready ms (median) | RSS idle MiB | RSS per worker MiB | ready vs compiled | RSS vs compiled |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const v of VARIANTS) {
  const acc = results.get(v.name)!;
  const perWorker = (median(acc.rss5) - median(acc.rss1)) / 4;
  console.log(
    `| ${v.name} | ${median(acc.ready).toFixed(0)} | ${median(acc.rss1).toFixed(1)} | ${perWorker.toFixed(1)} | ` +
      `${(median(acc.ready) / median(base.ready)).toFixed(2)} | ${(median(acc.rss1) / median(base.rss1)).toFixed(2)} |`,
  );
}
console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
