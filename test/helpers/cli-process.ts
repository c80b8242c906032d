// Runs the `outrigger` command as users do (bin/outrigger.mjs in a child
// process), for lifecycle tests: exit code, output, duration.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/outrigger.mjs', import.meta.url));
const INDEX = fileURLToPath(new URL('../../index.ts', import.meta.url));

export interface CliRun {
  code: number | null;
  out: string;
  ms: number;
  /** From the first output matching `mark` to the end of the process (null: never matched). */
  msAfterMark: number | null;
}

/** Runs `outrigger ...args` to its end (or kills it at `timeoutMs`). */
export function runCli(args: string[], timeoutMs = 90_000, mark?: RegExp | string): Promise<CliRun> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let marked: number | null = null;
  const onData = (b: Buffer): void => {
    out += b.toString();
    if (marked === null && mark !== undefined && (typeof mark === 'string' ? out.includes(mark) : mark.test(out))) marked = Date.now();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      const end = Date.now();
      resolve({ code, out, ms: end - t0, msAfterMark: marked === null ? null : end - marked });
    }),
  );
}

export interface CliProject {
  dir: string;
  runDir: string;
  file: string;
}

/**
 * A directory with a sidecar.config.ts (`body` goes inside defineConfig, after
 * runDir and logLevel) and any other files given, relative to it.
 */
export function cliProject(body: string, files: Record<string, string> = {}): CliProject {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-life-'));
  const runDir = join(dir, 'run');
  const file = join(dir, 'sidecar.config.ts');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(
    file,
    `import { defineConfig } from '${INDEX}';\nexport default defineConfig({ runDir: '${runDir}', logLevel: 'warn', reload: { watch: false }, ${body} });\n`,
  );
  return { dir, runDir, file };
}

/** Listeners with nothing on a fixed port (metrics too), so test files running at once never collide. */
export const QUIET_LISTENERS = `listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } }, metrics: { http: { port: 0 } }`;

/** Pids of live processes whose command line mentions `text` (the config file of a test). */
export function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(text)) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}
