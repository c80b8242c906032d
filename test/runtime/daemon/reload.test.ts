import net from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoridgeClient } from '../../../clients/ts/goridge-client.ts';
import { IpcClient } from '../../../clients/ts/ipc-client.ts';
import type { ConfigInput as OutriggerConfigInput } from '../../../index.ts';
import { reloadFromSource } from '../../../runtime/daemon/config-reload.ts';
import type { ReloadResult } from '../../../runtime/daemon/handle.ts';
import { type FileDaemon, startFileDaemon } from '../../helpers/config-file.ts';

const PROBE = resolve('test/fixtures/actors/opsprobe.ts');
const COUNTER = resolve('actors/example/counter.ts');

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('hot reload', () => {
  let f: FileDaemon;
  let base: (dir: string) => OutriggerConfigInput;
  let tcpPort: number;
  const clients: IpcClient[] = [];
  const client = (opts: { port?: number } = {}): IpcClient => {
    const c = opts.port ? new IpcClient({ host: '127.0.0.1', port: opts.port, heartbeatMs: 0 }) : new IpcClient({ path: `${f.dir}/run/ipc.sock`, heartbeatMs: 0 });
    clients.push(c);
    return c;
  };
  const reload = (): Promise<ReloadResult> => reloadFromSource(f.daemon, 'test');
  const config = (over: OutriggerConfigInput = {}): OutriggerConfigInput => ({ ...base(f.dir), ...over });

  beforeAll(async () => {
    tcpPort = await freePort();
    base = (dir) => ({
      runDir: `${dir}/run`,
      logLevel: 'silent',
      reload: { watch: false },
      metrics: { http: { port: 0 } },
      listeners: { ipc: { unix: { path: 'ipc.sock' }, tcp: { port: tcpPort } }, goridge: { enabled: false }, isp: { enabled: false } },
      actors: { example: { module: COUNTER } },
    });
    f = await startFileDaemon(base);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await f.stop();
  });

  it('adds an actor', async () => {
    f.write(config({ actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'a' } } } }));
    const r = await reload();
    expect(r).toMatchObject({ ok: true, changes: ["actor 'opsprobe' added"] });
    expect(await client().call('opsprobe.tag')).toBe('a');
  });

  it('restarts a changed actor without dropping the request in flight on the old workers', async () => {
    const c = client();
    const inflight = c.call('opsprobe.slow', { ms: 600 });
    await new Promise((r) => setTimeout(r, 50));
    f.write(config({ actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } } }));
    const r = await reload();
    expect(r.ok).toBe(true);
    expect(r.changes[0]).toMatch(/actor 'opsprobe' restarted/);
    expect(await c.call('opsprobe.tag')).toBe('b');
    // the old worker finished its request with the old options
    await expect(inflight).resolves.toMatchObject({ done: 600, tag: 'a' });
  });

  it('rejects an invalid config with the reason and keeps running the old one', async () => {
    f.write(config({ logLevel: 'loud' as 'info', requests: { timeoutMs: -5 } }));
    const r = await reload();
    expect(r.ok).toBe(false);
    expect(r.rejected).toContain("config field 'logLevel'");
    expect(r.rejected).toContain("config field 'requests.timeoutMs'");
    expect(f.daemon.config.logLevel).toBe('silent');
    expect(await client().call('opsprobe.tag')).toBe('b');
    expect(f.daemon.reloadCounts.rejected).toBe(1);
  });

  it('rejects a config whose new actor cannot start, leaving the running actors alone', async () => {
    f.write(config({ actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } }, broken: { module: '/nonexistent/actor.ts' } } }));
    const r = await reload();
    expect(r.rejected).toMatch(/actors\.broken\.module/);
    expect(f.daemon.hosts.has('broken')).toBe(false);
    expect(await client().call('opsprobe.tag')).toBe('b');
  });

  it('rejects a syntax error in the config file', async () => {
    f.write('export default { this is not typescript');
    const r = await reload();
    expect(r.rejected).toMatch(/^CONFIG_LOAD_FAILED: cannot load/);
    expect(await client().call('opsprobe.tag')).toBe('b');
  });

  it('applies deadlines and log level, and refuses restart-only fields', async () => {
    f.write(config({ logLevel: 'warn', requests: { methodTimeoutsMs: { 'opsprobe.slow': 40 } }, actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } } }));
    const r = await reload();
    expect(r.ok).toBe(true);
    expect(r.changes).toEqual(expect.arrayContaining(['log level warn', 'request deadlines updated (for requests dispatched from now on)']));
    expect(f.daemon.log.level).toBe('warn');
    await expect(client().call('opsprobe.slow', { ms: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    // The next test holds an opsprobe.slow call across a reload: give the method its default deadline back
    // (with 40 ms, a 30 ms call timed out on a loaded box).
    f.write(config({ logLevel: 'warn', actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } } }));
    expect((await reload()).ok).toBe(true);

    f.write({ ...config(), runDir: `${f.dir}/elsewhere` });
    expect((await reload()).rejected).toMatch(/runDir changes need a restart/);
  });

  it('applies and reports the byte budgets, the reply cap and the connection cap in place', async () => {
    const actors = { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } };
    f.write(config({ limits: { maxConnections: 100, maxBufferedBytes: 8 * 1024 * 1024, maxInflightBytes: 16 * 1024 * 1024 }, requests: { maxReplyBytes: 1024 * 1024 }, actors }));
    const r = await reload();
    expect(r.ok).toBe(true);
    expect(r.changes).toEqual(
      expect.arrayContaining(['limits.maxConnections 100', 'limits.maxBufferedBytes 8388608', 'limits.maxInflightBytes 16777216', 'requests.maxReplyBytes 1048576 (for replies from now on)']),
    );
    expect([f.daemon.connections.max, f.daemon.budget.limit, f.daemon.inflightBudget.limit, f.daemon.router.opts.maxReplyBytes]).toEqual([100, 8 * 1024 * 1024, 16 * 1024 * 1024, 1024 * 1024]);
    f.write(config({ actors }));
    expect((await reload()).changes).toContain('limits.maxInflightBytes 134217728');
  });

  it('moves the TCP listener: open connections keep working, the new port accepts, the old one refuses', async () => {
    const oldConn = client({ port: tcpPort });
    expect(await oldConn.call('sys.ping')).toBe('pong');
    const inflight = oldConn.call('opsprobe.slow', { ms: 30 });
    const newPort = await freePort();
    const next = config({ actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } } });
    next.listeners = { ...next.listeners, ipc: { unix: { path: 'ipc.sock' }, tcp: { port: newPort }, maxConnections: 50 } };
    f.write(next);
    const r = await reload();
    expect(r.ok).toBe(true);
    expect(r.changes.join('\n')).toContain(`listener 'ipc' now on tcp://127.0.0.1:${newPort}`);
    await expect(inflight).resolves.toMatchObject({ done: 30 });
    expect(await oldConn.call('sys.ping')).toBe('pong');
    expect(await client({ port: newPort }).call('sys.ping')).toBe('pong');
    expect(await client().call('sys.ping')).toBe('pong'); // unix socket re-bound at the same path
    await expect(new IpcClient({ host: '127.0.0.1', port: tcpPort, heartbeatMs: 0, timeoutMs: 2000 }).call('sys.ping')).rejects.toThrow();
    const ipc = f.daemon.listeners.filter((l) => l.name === 'ipc');
    expect(ipc).toHaveLength(1);
    expect(ipc[0]!.spec.maxConnections).toBe(50);
  });

  it('starts, moves and stops the Goridge listener as its address and enabled flag change', async () => {
    const ipcPort = f.daemon.listeners.find((l) => l.name === 'ipc')!.tcpPort!;
    const write = (goridge: Record<string, unknown>): void => {
      const next = config({ actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } } });
      next.listeners = { ...next.listeners, ipc: { unix: { path: 'ipc.sock' }, tcp: { port: ipcPort } }, goridge };
      f.write(next);
    };
    const echo = async (port: number): Promise<string> => {
      const c = new GoridgeClient({ address: `tcp://127.0.0.1:${port}` });
      try {
        await c.connected();
        return (await c.call('Sys.Echo', Buffer.from('"hi"'))).body.toString();
      } finally {
        c.close();
      }
    };
    const first = await freePort();
    write({ tcp: { port: first } });
    let r = await reload();
    expect(r.ok).toBe(true);
    expect(r.changes.join('\n')).toContain(`listener 'goridge' now on tcp://127.0.0.1:${first}`);
    expect(await echo(first)).toBe('"hi"');

    const second = await freePort();
    write({ tcp: { port: second } });
    r = await reload();
    expect(r.changes.join('\n')).toContain(`listener 'goridge' no longer accepts on tcp://127.0.0.1:${first}`);
    expect(await echo(second)).toBe('"hi"');
    await expect(echo(first)).rejects.toThrow();

    write({ enabled: false });
    r = await reload();
    expect(r.ok).toBe(true);
    expect(f.daemon.listeners.filter((l) => l.name === 'goridge')).toHaveLength(0);
    await expect(echo(second)).rejects.toThrow();
  });

  it('reports enabling the ISP listener, disabled at start, as needing a restart', async () => {
    const next = config({ actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } } });
    next.listeners = { ...next.listeners, ipc: { unix: { path: 'ipc.sock' }, tcp: { port: f.daemon.listeners.find((l) => l.name === 'ipc')!.tcpPort! } }, isp: { tcp: { port: await freePort() } } };
    f.write(next);
    const r = await reload();
    expect(r.ok).toBe(false);
    expect(r.hookErrors.join()).toMatch(/RELOAD_REJECTED: listeners\.isp: address and enabled changes need a restart/);
    expect(f.daemon.listeners.some((l) => l.name === 'isp')).toBe(false);
  });

  it('takes every old address back when a moved listener cannot bind', async () => {
    const ipcPort = f.daemon.listeners.find((l) => l.name === 'ipc')!.tcpPort!;
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const busy = (taken.address() as net.AddressInfo).port;
    const newIpc = await freePort();
    const next = config({ actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } } });
    next.listeners = { ...next.listeners, ipc: { unix: { path: 'ipc.sock' }, tcp: { port: newIpc } }, goridge: { tcp: { port: busy } } };
    f.write(next);
    const r = await reload();
    taken.close();
    expect(r.rejected).toMatch(/^listeners\.goridge: .*EADDRINUSE/);
    // The IPC move prepared before it was undone: the old port answers, the new one does not.
    expect(await client({ port: ipcPort }).call('sys.ping')).toBe('pong');
    await expect(new IpcClient({ host: '127.0.0.1', port: newIpc, heartbeatMs: 0, timeoutMs: 2000 }).call('sys.ping')).rejects.toThrow();
    const restore = config({ actors: { example: { module: COUNTER }, opsprobe: { module: PROBE, options: { tag: 'b' } } } });
    restore.listeners = { ...restore.listeners, ipc: { unix: { path: 'ipc.sock' }, tcp: { port: ipcPort } } };
    f.write(restore);
  });

  it('removes an actor after its in-flight requests finish', async () => {
    const c = client();
    const inflight = c.call('opsprobe.slow', { ms: 300 });
    await new Promise((r) => setTimeout(r, 30));
    const next = config();
    next.listeners = { ...next.listeners, ipc: { unix: { path: 'ipc.sock' }, tcp: { port: f.daemon.listeners.find((l) => l.name === 'ipc')!.tcpPort! } } };
    f.write(next);
    const r = await reload();
    expect(r.changes).toContain("actor 'opsprobe' removed (in-flight requests finish first)");
    await expect(c.call('opsprobe.tag')).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    await expect(inflight).resolves.toMatchObject({ done: 300 });
  });

  it('runs feature hooks with the new and old config and reports their failures', async () => {
    const seen: string[] = [];
    f.daemon.onReload((next, prev) => {
      seen.push(`${prev.requests.timeoutMs}->${next.requests.timeoutMs}`);
    });
    f.daemon.onReload(() => {
      throw new Error('device plc7 did not answer');
    });
    const next = config({ requests: { timeoutMs: 12_345 } });
    next.listeners = { ...next.listeners, ipc: { unix: { path: 'ipc.sock' }, tcp: { port: f.daemon.listeners.find((l) => l.name === 'ipc')!.tcpPort! } } };
    f.write(next);
    const r = await reload();
    expect(seen).toEqual(['30000->12345']);
    expect(r.ok).toBe(false);
    expect(r.rejected).toBeUndefined();
    expect(r.hookErrors).toEqual(['device plc7 did not answer']);
    expect(f.daemon.config.requests.timeoutMs).toBe(12_345);
  });
});

describe('config file watcher', () => {
  it('reloads when the file changes', async () => {
    const f = await startFileDaemon(
      (dir) => ({ runDir: `${dir}/run`, logLevel: 'silent', reload: { watch: true, debounceMs: 50 }, metrics: { http: { port: 0 } }, listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } } }),
    );
    try {
      const reloaded = new Promise<ReloadResult>((r) => f.daemon.events.once('reloaded', (x) => r(x as ReloadResult)));
      f.write({ runDir: `${f.dir}/run`, logLevel: 'error', reload: { watch: true, debounceMs: 50 }, metrics: { http: { port: 0 } }, listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } } });
      const r = await reloaded;
      expect(r.reason).toBe('config file sidecar.config.ts changed');
      expect(r.changes).toContain('log level error');
    } finally {
      await f.stop();
    }
  });
});
