// Runs a daemon as its own process (bin/outrigger.mjs start --foreground),
// for tests that kill -9 it and for benches that keep the client's CPU
// apart from the daemon's.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpcClient, type IpcClientOptions } from '../../clients/ts/ipc-client.ts';
import type { ConfigInput as OutriggerConfigInput } from '../../index.ts';
import { eagerFeatureActors } from './daemon.ts';
import { freePort } from './free-port.ts';

const BIN = fileURLToPath(new URL('../../bin/outrigger.mjs', import.meta.url));

/** Daemons still running when this process exits (a crashed bench or test) are killed, never orphaned. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface DaemonProcess {
  readonly runDir: string;
  readonly ipcPath: string;
  /** The Goridge TCP port when the config enabled that listener with a fixed port. */
  readonly goridgePort: number | undefined;
  /** http://127.0.0.1:port of /metrics, /healthz and /readyz (a free port unless the config chose one). */
  readonly metricsUrl: string;
  /** GET /metrics: the Prometheus text. */
  scrape(): Promise<string>;
  child: ChildProcess;
  /** Output so far (stdout and stderr), for failure messages. */
  output(): string;
  client(opts?: Partial<IpcClientOptions>): IpcClient;
  /** SIGKILL: no drain, no commit, no leave. */
  kill9(): Promise<void>;
  /** Starts the same config again in the same run dir (after kill9 or stop). */
  restart(): Promise<void>;
  /** SIGTERM and wait for a graceful exit; removes the run dir. */
  stop(): Promise<void>;
}

/** Writes the config to a fresh run dir and starts the daemon; resolves once it printed its ready line. */
export async function startDaemonProcess(config: OutriggerConfigInput, timeoutMs = 30_000): Promise<DaemonProcess> {
  const runDir = mkdtempSync(join(tmpdir(), 'outrigger-proc-'));
  // A fixed port the test can scrape; the default one would collide between daemons running side by side.
  const metricsPort = config.metrics?.http?.port ?? (await freePort());
  const full: OutriggerConfigInput = {
    logLevel: 'warn',
    ...config,
    actors: eagerFeatureActors(config.actors),
    runDir,
    metrics: { ...config.metrics, http: { ...config.metrics?.http, port: metricsPort } },
    listeners: {
      ipc: { unix: { path: 'ipc.sock' } },
      goridge: { enabled: false },
      isp: { enabled: false },
      ...config.listeners,
    },
  };
  const configFile = join(runDir, 'config.mjs');
  writeFileSync(configFile, `export default ${JSON.stringify(full, null, 2)};\n`);
  let out = '';
  const clients: IpcClient[] = [];

  const launch = async (): Promise<ChildProcess> => {
    // OUTRIGGER_DAEMON_NODE_ARGS passes node flags to the daemon only (e.g. --cpu-prof for a bench).
    const nodeArgs = (process.env.OUTRIGGER_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, BIN, 'start', '--foreground', '--config', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon not ready within ${timeoutMs} ms:\n${out}`)), timeoutMs);
      const onData = (): void => {
        if (out.includes(`OUTRIGGER READY pid=${child.pid}`)) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`daemon exited (${code}) before it was ready:\n${out}`));
      });
    });
    return child;
  };

  const exited = (child: ChildProcess): Promise<void> =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));

  const proc: DaemonProcess = {
    runDir,
    ipcPath: join(runDir, 'ipc.sock'),
    goridgePort: (full.listeners?.goridge as { tcp?: { port?: number } } | undefined)?.tcp?.port,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    scrape: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    child: await launch(),
    output: () => out,
    client(opts = {}) {
      const c = new IpcClient({ path: join(runDir, 'ipc.sock'), heartbeatMs: 0, ...opts });
      clients.push(c);
      return c;
    },
    async kill9() {
      proc.child.kill('SIGKILL');
      await exited(proc.child);
    },
    async restart() {
      proc.child = await launch();
    },
    async stop() {
      for (const c of clients) c.close();
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGTERM');
        const t = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
        await exited(proc.child);
        clearTimeout(t);
      }
      rmSync(runDir, { recursive: true, force: true });
    },
  };
  return proc;
}
