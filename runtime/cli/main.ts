import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stuckThreads } from '../actor/worker-slot.ts';
import { type OutriggerConfig } from '../config/load.ts';
import { loadConfig } from '../feature/load.ts';
import { Daemon, type DaemonStatus, type DrainReport } from '../daemon/daemon.ts';
import { reloadFromSource } from '../daemon/config-reload.ts';
import type { FeatureDefinition } from '../feature/api.ts';
import { controlCall } from './control-client.ts';
import type { ReloadResult } from '../daemon/handle.ts';
import { OutriggerError } from '../errors/error.ts';
import { parseArgs, USAGE } from './args.ts';
import { formatStatus } from './format-status.ts';

const BIN = fileURLToPath(new URL('../../bin/outrigger.mjs', import.meta.url));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(config: OutriggerConfig): number | null {
  const file = join(config.runDir, 'outrigger.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : null;
}

function control(config: OutriggerConfig, method: string, timeoutMs: number): Promise<unknown> {
  return controlCall(config.listeners.control.path, method, timeoutMs);
}

/** The features the CLI's daemon runs (the composition root sets them). */
let builtins: readonly FeatureDefinition[] = [];

async function runForeground(configFile: string | undefined): Promise<number> {
  const loaded = await loadConfig(configFile, builtins);
  const daemon = await Daemon.start(loaded);
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
  await daemon.stopped;
  // A thread blocked in a system call can't be joined, and exit would wait for it forever.
  if (stuckThreads.count > 0) process.kill(process.pid, 'SIGKILL');
  return 0;
}

async function startBackground(configFile: string | undefined): Promise<number> {
  const { config } = await loadConfig(configFile, builtins);
  const running = readPid(config);
  if (running) throw new OutriggerError('ALREADY_RUNNING', `outrigger is already running (pid ${running})`);
  mkdirSync(config.runDir, { recursive: true });
  const logFile = join(config.runDir, 'outrigger.log');
  const out = openSync(logFile, 'a');
  const args = [BIN, 'start', '--foreground', ...(configFile ? ['--config', configFile] : [])];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: process.env });
  child.unref();
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
    if (code !== null) {
      console.error(`outrigger failed to start (exit ${code}); see ${logFile}:\n${tail(logFile)}`);
      return 1;
    }
    try {
      const status = (await control(config, 'daemon.status', 1000)) as DaemonStatus;
      console.log(`outrigger started, pid ${status.pid}; log ${logFile}`);
      for (const l of status.listeners) console.log(`  ${l.name.padEnd(8)} ${l.bound.join(' ')}`);
      return 0;
    } catch {
      /* not up yet */
    }
  }
  console.error(`outrigger did not become ready within 60s; see ${logFile}`);
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
  const { config } = await loadConfig(configFile, builtins);
  const pid = readPid(config);
  if (!pid) throw new OutriggerError('NOT_RUNNING', `outrigger is not running (no live pid in ${config.runDir})`);
  const wait = (timeoutMs ?? config.shutdown.graceMs) + 10_000;
  let report: DrainReport | null = null;
  try {
    report = (await control(config, 'daemon.stop', wait)) as DrainReport;
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
  const { config } = await loadConfig(configFile, builtins);
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
    ({ config } = await loadConfig(configFile, builtins));
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

export async function main(argv: string[], features: readonly FeatureDefinition[]): Promise<number> {
  builtins = features;
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
      default:
        console.log(USAGE);
        return args.command === 'help' || args.command === '--help' ? 0 : 2;
    }
  } catch (err) {
    const e = err as OutriggerError;
    console.error(e.code ? `outrigger: ${e.code}: ${e.message}` : `outrigger: ${e.message}`);
    return 1;
  }
}
