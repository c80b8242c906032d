import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpcClient, type IpcClientOptions } from '../../clients/ts/ipc-client.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import type { OutriggerConfigInput } from '../../runtime/config/schema.ts';
import { Daemon, type ListenerPlugin } from '../../runtime/daemon/daemon.ts';
import { createLogger } from '../../runtime/log.ts';

export interface TestDaemon {
  daemon: Daemon;
  runDir: string;
  ipcPath: string;
  /** Opens an IPC client on the daemon's unix socket (closed by stop()). */
  client(opts?: Partial<IpcClientOptions>): IpcClient;
  stop(): Promise<void>;
}

/**
 * Starts a daemon in this process on a fresh run dir, with every TCP
 * listener on an ephemeral port unless the overrides say otherwise.
 */
export async function startTestDaemon(
  overrides: OutriggerConfigInput = {},
  plugins: ListenerPlugin[] = [],
  baseDir = process.cwd(),
): Promise<TestDaemon> {
  const runDir = mkdtempSync(join(tmpdir(), 'outrigger-test-'));
  const raw: OutriggerConfigInput = {
    logLevel: 'silent',
    ...overrides,
    runDir,
    // Ephemeral metrics port so test files running in parallel never collide.
    metrics: { ...overrides.metrics, http: { port: 0, ...overrides.metrics?.http } },
    listeners: {
      ipc: { unix: { path: 'ipc.sock' } },
      goridge: { enabled: false },
      isp: { enabled: false },
      ...overrides.listeners,
    },
  };
  const config = parseConfig(raw, {});
  const daemon = await Daemon.start({ config, file: null, baseDir }, plugins, createLogger(config.logLevel));
  const clients: IpcClient[] = [];
  return {
    daemon,
    runDir,
    ipcPath: join(runDir, 'ipc.sock'),
    client(opts = {}) {
      const c = new IpcClient({ path: join(runDir, 'ipc.sock'), heartbeatMs: 0, ...opts });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await daemon.stop('test end', 2000);
      await daemon.stopped;
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
