import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpcClient, type IpcClientOptions } from '../../clients/ts/ipc-client.ts';
import { builtinFeatures } from '../../actors/builtins.ts';
import { loadRaw } from '../../runtime/feature/load.ts';
import { Daemon } from '../../runtime/daemon/daemon.ts';
import type { FeatureDefinition } from '../../runtime/feature/api.ts';
import { createLogger } from '../../runtime/log.ts';
import type { ConfigInput } from '../../index.ts';

type ActorsInput = NonNullable<ConfigInput['actors']>;

/**
 * The features' actors start with the daemon in test daemons unless a test
 * sets `actors.<name>.start`: the built-in ones are lazy by default, and on a
 * loaded test box a first call that starts a worker can outlast a client's
 * timeout (the ISP client's 10 s, the PHP bridge's 5 s). Lazy start itself is
 * tested in test/runtime/actor/lazy-start.test.ts.
 */
export function eagerFeatureActors(actors: ConfigInput['actors'], features: readonly FeatureDefinition[] = builtinFeatures): ActorsInput {
  const out: ActorsInput = { ...actors };
  for (const f of features) for (const a of f.actors ?? []) out[a.name] = { start: 'eager', ...out[a.name] };
  return out;
}

export interface TestDaemon {
  daemon: Daemon;
  runDir: string;
  ipcPath: string;
  /** Opens an IPC client on the daemon's unix socket (closed by stop()). */
  client(opts?: Partial<IpcClientOptions>): IpcClient;
  stop(): Promise<void>;
}

/**
 * Starts a daemon in this process on a fresh run dir, with the built-in
 * features (or the ones given), every TCP listener off or on an ephemeral
 * port unless the overrides say otherwise.
 */
export async function startTestDaemon(
  overrides: ConfigInput = {},
  features: readonly FeatureDefinition[] = builtinFeatures,
  baseDir = process.cwd(),
): Promise<TestDaemon> {
  const runDir = mkdtempSync(join(tmpdir(), 'outrigger-test-'));
  const o = overrides as ConfigInput & { listeners?: Record<string, unknown>; metrics?: { http?: object } };
  const raw = {
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    reload: { watch: false },
    ...overrides,
    actors: eagerFeatureActors(overrides.actors, features),
    runDir,
    // Ephemeral metrics port so test files running in parallel never collide.
    metrics: { ...o.metrics, http: { port: 0, ...o.metrics?.http } },
    listeners: {
      ipc: { unix: { path: 'ipc.sock' } },
      goridge: { enabled: false },
      isp: { enabled: false },
      ...o.listeners,
    },
  };
  const loaded = await loadRaw(raw, null, baseDir, features, {});
  const daemon = await Daemon.start(loaded, createLogger(loaded.config.logLevel));
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

/** Port a listener is bound to (listeners on port 0 pick one). */
export function tcpPortOf(td: TestDaemon, listener: string): number {
  const port = td.daemon.listeners.find((l) => l.name === listener)?.tcpPort;
  if (port === undefined) throw new Error(`listener '${listener}' is not bound on TCP`);
  return port;
}
