// The servers bench/goridge drives, started and built the same way by each of
// its scenarios: Outrigger (worker hop or inline), the Go reference server,
// and the bare Node net.Server; plus the Go load generator.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LOADGEN = `${ROOT}bench/goridge/loadgen/loadgen`;
const GO_SERVER = `${ROOT}bench/peers/bin/goridge-echo`;

/** Builds the load generator and the Go peers. */
export function buildGo(): void {
  for (const [dir, args] of [
    ['bench/goridge/loadgen', ['build', '-o', 'loadgen', '.']],
    ['bench/peers', ['build', '-o', 'bin/', './...']],
  ] as const) {
    const r = spawnSync('go', args, { cwd: `${ROOT}${dir}`, encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`go ${args.join(' ')} in ${dir} failed: ${r.error?.message ?? r.stderr}`);
  }
  if (!existsSync(LOADGEN) || !existsSync(GO_SERVER)) throw new Error('Go binaries missing after build');
}

/** CPUs the servers run on (taskset -c list), or null for any: connect-per-call.ts --pin. */
let serverCpus: string | null = null;

export function pinServers(cpus: string | null): void {
  serverCpus = cpus;
}

/** Spawns a command on `cpus` (taskset -c list; taskset execs it, so the pid is the command's), or on any CPU when null. */
export function spawnOn(cpus: string | null, cmd: string, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return cpus === null ? spawn(cmd, args, options) : spawn('taskset', ['-c', cpus, cmd, ...args], options);
}

function launch(cmd: string, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return spawnOn(serverCpus, cmd, args, options);
}

function waitFor(proc: ChildProcess, marker: string, what: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes(marker)) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

/**
 * The daemon with bench/goridge/bench.config.ts: sys.echo on a worker (the hop a Kafka call takes) or inline.
 * `root` runs another checkout (its own bin and bench config; a before/after comparison) in its own run dir.
 */
export function startOutrigger(port: number, sysMode: 'worker' | 'inline', root = ROOT): Promise<ChildProcess> {
  const other = root === ROOT ? {} : { OUTRIGGER_RUN_DIR: `/tmp/outrigger-bench-goridge-other-${port}` };
  const proc = launch(process.execPath, [`${root}bin/outrigger.mjs`, 'start', '--foreground', '--config', `${root}bench/goridge/bench.config.ts`], {
    env: { ...process.env, BENCH_GORIDGE_PORT: String(port), BENCH_GORIDGE_SYS_MODE: sysMode, ...other },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return waitFor(proc, 'OUTRIGGER READY', `outrigger (${sysMode})`);
}

/** Go's net/rpc with goridge v3.8.3's codec (App.Echo). */
export function startGo(port: number): Promise<ChildProcess> {
  const proc = launch(GO_SERVER, ['-tcp', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return waitFor(proc, 'goridge-echo listening', 'goridge-echo');
}

/** bench/goridge/bare-server.ts: Node's own floor for one call per connection. */
export function startBare(port: number): Promise<ChildProcess> {
  const proc = launch(process.execPath, [`${ROOT}bin/run-ts.mjs`, `${ROOT}bench/goridge/bare-server.ts`, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return waitFor(proc, 'BARE READY', 'bare server');
}

/** One line of the load generator's output. */
export interface LoadgenResult {
  rps: number;
  p50: number;
  p99: number;
  calls: number;
  errors: number;
  client_us_per_call: number;
}

export const loadAverage = (): string =>
  spawnSync('uptime', { encoding: 'utf8' }).stdout.trim().replace(/.*load average:/, 'load average:');
