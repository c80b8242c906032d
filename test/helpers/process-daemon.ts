import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('bin/outrigger.mjs');

/** `outrigger start --foreground` as a child process, its output collected. */
export interface ProcessDaemon {
  child: ChildProcess;
  output(): string;
  /** Waits until the output contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
}

export async function spawnDaemon(configFile: string, env: Record<string, string> = {}): Promise<ProcessDaemon> {
  const child = spawn(process.execPath, [BIN, 'start', '--foreground', '--config', configFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitFor = async (text: string | RegExp, timeoutMs = 30_000): Promise<void> => {
    const until = Date.now() + timeoutMs;
    const hit = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out));
    while (!hit()) {
      if (child.exitCode !== null) throw new Error(`daemon exited (${child.exitCode}) before printing ${String(text)}:\n${out}`);
      if (Date.now() > until) throw new Error(`daemon did not print ${String(text)} within ${timeoutMs} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await waitFor('OUTRIGGER READY');
  return {
    child,
    output: () => out,
    waitFor,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the CLI once; resolves with its exit code and output. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
