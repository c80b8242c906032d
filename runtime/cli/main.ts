import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { stuckThreads } from '../actor/worker-slot.ts';
import { type OutriggerConfig } from '../config/load.ts';
import { loadConfig } from '../feature/load.ts';
import { ensureRunDir, pidAlive, runningPid } from '../config/run-dir.ts';
import { Daemon, type DaemonStatus, type DrainReport } from '../daemon/daemon.ts';
import { reloadFromSource } from '../daemon/config-reload.ts';
import type { FeatureDefinition } from '../feature/api.ts';
import { controlCall } from './control-client.ts';
import type { ReloadResult } from '../daemon/handle.ts';
import { OutriggerError } from '../errors/error.ts';
import { parseArgs, USAGE, UsageError } from './args.ts';
import { formatStatus } from './format-status.ts';

/** How the CLI runs: the features, and the script that starts a daemon in the background. */
export interface CliSetup {
  features: readonly FeatureDefinition[];
  /** Path of the `outrigger` executable script (bin/outrigger.mjs). */
  bin: string;
}

/**
 * The background launcher reads the daemon's verdict from this descriptor:
 * one JSON line, `{"ready":true,...}` once every actor is ready and every
 * listener bound, or `{"ready":false,"error":...}` when start-up failed.
 */
const READY_FD_ENV = 'OUTRIGGER_READY_FD';
const START_TIMEOUT_MS = 120_000;

interface Verdict {
  ready: boolean;
  pid: number;
  listeners?: { name: string; bound: string[] }[];
  error?: string;
}

function control(config: OutriggerConfig, method: string, timeoutMs: number, params?: Record<string, unknown>): Promise<unknown> {
  return controlCall(config.listeners.control.path, method, timeoutMs, params);
}

let setup: CliSetup = { features: [], bin: '' };

function errorText(err: unknown): string {
  const e = err as OutriggerError;
  return e.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

/** Tells a background launcher how start-up went (nothing when started by anyone else). */
function sendVerdict(v: Verdict): void {
  const fd = Number(process.env[READY_FD_ENV]);
  if (!Number.isInteger(fd) || fd < 3) return;
  delete process.env[READY_FD_ENV];
  try {
    writeSync(fd, `${JSON.stringify(v)}\n`);
    closeSync(fd);
  } catch {
    /* the launcher is gone: nobody to tell */
  }
}

async function runForeground(configFile: string | undefined): Promise<number> {
  let daemon: Daemon;
  try {
    daemon = await Daemon.start(await loadConfig(configFile, setup.features));
  } catch (err) {
    sendVerdict({ ready: false, pid: process.pid, error: errorText(err) });
    throw err;
  }
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      daemon.log.warn({ signal: sig }, 'second signal: forcing exit');
      process.exit(130);
    }
    void daemon.stop(`signal ${sig}`).then((r) => daemon.log.info(r, 'drained'));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => void reloadFromSource(daemon, 'signal SIGHUP'));
  // Whoever started us may go away (a closed terminal, a crashed launcher):
  // a broken stdout must not take the daemon down with it.
  for (const out of [process.stdout, process.stderr]) out.on('error', () => {});
  // Ready line for whoever started us (the background launcher, tests).
  process.stdout.write(`OUTRIGGER READY pid=${process.pid}\n`);
  sendVerdict({ ready: true, pid: process.pid, listeners: daemon.listeners.map((l) => ({ name: l.name, bound: l.bound })) });
  await daemon.stopped;
  // A thread blocked in a system call can't be joined, and exit would wait for it forever.
  if (stuckThreads.count > 0) process.kill(process.pid, 'SIGKILL');
  return 0;
}

/** The first line the daemon writes on the verdict pipe, or null when it closed it (or exited) without one. */
function readVerdict(pipe: Readable, timeoutMs: number): Promise<Verdict | null | 'timeout'> {
  return new Promise((resolve) => {
    let text = '';
    const done = (v: Verdict | null | 'timeout'): void => {
      clearTimeout(timer);
      pipe.removeAllListeners('data');
      pipe.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    pipe.on('data', (b: Buffer) => {
      text += b.toString();
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      try {
        done(JSON.parse(text.slice(0, nl)) as Verdict);
      } catch {
        done(null);
      }
    });
    pipe.once('close', () => done(null));
    pipe.once('error', () => done(null));
  });
}

async function startBackground(configFile: string | undefined): Promise<number> {
  const { config } = await loadConfig(configFile, setup.features);
  // Checked here only to answer at once; the daemon's own lock on runDir decides.
  const running = runningPid(config.runDir);
  if (running) throw new OutriggerError('ALREADY_RUNNING', `outrigger is already running (pid ${running})`);
  ensureRunDir(config.runDir);
  const logFile = join(config.runDir, 'outrigger.log');
  const out = openSync(logFile, 'a');
  const args = [setup.bin, 'start', '--foreground', ...(configFile ? ['--config', configFile] : [])];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out, out, 'pipe'],
    env: { ...process.env, [READY_FD_ENV]: '3' },
  });
  closeSync(out);
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const verdict = await readVerdict(child.stdio[3] as Readable, START_TIMEOUT_MS);
  if (verdict === 'timeout') {
    child.unref();
    child.kill('SIGTERM');
    console.error(`outrigger did not become ready within ${START_TIMEOUT_MS / 1000}s and was stopped; see ${logFile}:\n${tail(logFile)}`);
    return 1;
  }
  if (verdict?.ready) {
    // Running on its own from here: this process may end.
    child.unref();
    console.log(`outrigger started, pid ${verdict.pid}; log ${logFile}`);
    for (const l of verdict.listeners ?? []) console.log(`  ${l.name.padEnd(8)} ${l.bound.join(' ')}`);
    return 0;
  }
  // It failed: wait for it to end (it stops what it started), so nothing is left running.
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), 15_000)))]);
  clearTimeout(timer);
  if (code === null) {
    child.unref();
    child.kill('SIGKILL');
  }
  const cause = verdict?.error ? `outrigger: ${verdict.error}` : tail(logFile);
  console.error(`outrigger failed to start (exit ${code ?? 'killed'}): ${cause}\nlog: ${logFile}`);
  return 1;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

async function stop(configFile: string | undefined, timeoutMs: number | undefined): Promise<number> {
  const { config } = await loadConfig(configFile, setup.features);
  const pid = runningPid(config.runDir);
  if (!pid) throw new OutriggerError('NOT_RUNNING', `outrigger is not running (no live pid in ${config.runDir})`);
  // The daemon drains for --timeout (default: its shutdown.graceMs); this command waits that long, plus 10 s to tear down.
  const wait = (timeoutMs ?? config.shutdown.graceMs) + 10_000;
  let report: DrainReport | null = null;
  try {
    report = (await control(config, 'daemon.stop', wait, timeoutMs === undefined ? {} : { graceMs: timeoutMs })) as DrainReport;
  } catch {
    process.kill(pid, 'SIGTERM'); // control socket unreachable: fall back to the signal
  }
  const until = Date.now() + wait;
  while (pidAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  if (pidAlive(pid)) {
    console.error(`outrigger (pid ${pid}) did not exit within ${wait} ms`);
    return 1;
  }
  if (report) {
    console.log(
      `outrigger stopped (pid ${pid}): ${report.drained} of ${report.inflightAtStart} in-flight requests drained, ` +
        `${report.abandoned} abandoned, in ${report.durationMs} ms`,
    );
  } else console.log(`outrigger stopped (pid ${pid}) after SIGTERM`);
  return 0;
}

async function status(configFile: string | undefined, json: boolean): Promise<number> {
  const { config } = await loadConfig(configFile, setup.features);
  let s: DaemonStatus;
  try {
    s = (await control(config, 'daemon.status', 5000)) as DaemonStatus;
  } catch {
    throw new OutriggerError('NOT_RUNNING', `outrigger is not running (control socket ${config.listeners.control.path})`);
  }
  console.log(json ? JSON.stringify(s, null, 2) : formatStatus(s));
  return 0;
}

async function reload(configFile: string | undefined): Promise<number> {
  let config: OutriggerConfig;
  try {
    ({ config } = await loadConfig(configFile, setup.features));
  } catch (err) {
    // The daemon would refuse the same file for the same reason: say so without bothering it.
    const e = err as OutriggerError;
    console.error(`outrigger: RELOAD_REJECTED: ${e.code}: ${e.message}\n(not sent to the daemon; the running config stays)`);
    return 1;
  }
  let r: ReloadResult;
  try {
    r = (await control(config, 'daemon.reload', 120_000)) as ReloadResult;
  } catch (err) {
    const e = err as OutriggerError;
    if (e.code === 'UNKNOWN_METHOD' || e.code === 'TIMEOUT') throw err;
    throw new OutriggerError('NOT_RUNNING', `outrigger is not running (control socket ${config.listeners.control.path})`);
  }
  if (r.rejected) {
    console.error(`outrigger: RELOAD_REJECTED: ${r.rejected}\n(the running config stays)`);
    return 1;
  }
  console.log(r.changes.length > 0 ? `config reloaded:\n  ${r.changes.join('\n  ')}` : 'config reloaded: nothing changed in the core');
  for (const e of r.hookErrors) console.error(`  hook failed: ${e}`);
  return r.ok ? 0 : 1;
}

export async function main(argv: string[], cli: CliSetup): Promise<number> {
  setup = cli;
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case 'start':
        return args.foreground ? await runForeground(args.config) : await startBackground(args.config);
      case 'stop':
        return await stop(args.config, args.timeoutMs);
      case 'status':
        return await status(args.config, args.json);
      case 'reload':
        return await reload(args.config);
      case 'help':
        console.log(USAGE);
        return 0;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`outrigger: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`outrigger: ${errorText(err)}`);
    return 1;
  }
}
