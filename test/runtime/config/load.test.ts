import { mkdtempSync, writeFileSync } from 'node:fs';
import { builtinFeatures } from '../../../actors/builtins.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../runtime/feature/load.ts';
import { startTestDaemon } from '../../helpers/daemon.ts';
import { parseTestConfig } from '../../helpers/config.ts';

const errorOf = (fn: () => unknown): { code: string; message: string } => {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
};

describe('config', () => {
  it('gives working defaults with nothing configured', () => {
    const c = parseTestConfig({}, {});
    expect(c.listeners.goridge.tcp).toEqual({ host: '127.0.0.1', port: 6001 });
    expect(c.listeners.isp.tcp).toEqual({ host: '127.0.0.1', port: 50052 });
    expect(c.listeners.ipc.unix?.mode).toBe(0o660);
    expect(c.listeners.ipc.unix?.path).toBe(join(c.runDir, 'ipc.sock'));
    expect(c.requests.timeoutMs).toBe(30_000);
    expect(c.shutdown.graceMs).toBe(30_000);
    expect(c.listeners.ipc.maxFrameBytes).toBe(16 * 1024 * 1024);
  });

  it('applies PORT, IPC_SOCKET, ISP_PORT and LOG_LEVEL from the environment', () => {
    const c = parseTestConfig({}, { PORT: '7001', IPC_SOCKET: '/tmp/x.sock', ISP_PORT: '5100', LOG_LEVEL: 'debug' });
    expect(c.listeners.goridge.tcp?.port).toBe(7001);
    expect(c.listeners.ipc.unix?.path).toBe('/tmp/x.sock');
    expect(c.listeners.isp.tcp?.port).toBe(5100);
    expect(c.logLevel).toBe('debug');
  });

  it('changes only the key an override names: the listener keeps its other default endpoint', () => {
    const ipc = parseTestConfig({}, { IPC_PORT: '7002' }).listeners.ipc;
    expect(ipc.tcp?.port).toBe(7002);
    expect(ipc.unix?.path).toMatch(/ipc\.sock$/);
    const goridge = parseTestConfig({}, { GORIDGE_SOCKET: 'g.sock' }).listeners.goridge;
    expect(goridge.unix?.path).toMatch(/g\.sock$/);
    expect(goridge.tcp).toEqual({ host: '127.0.0.1', port: 6001 });
    const both = parseTestConfig({}, { IPC_SOCKET: '/tmp/i.sock' }).listeners.ipc;
    expect(both.tcp?.port).toBe(6002);
    // A listener the config writes out keeps what the config says, plus the override.
    const own = parseTestConfig({ listeners: { ipc: { tcp: { port: 7100 } } } }, { IPC_SOCKET: '/tmp/i.sock' }).listeners.ipc;
    expect(own).toMatchObject({ tcp: { port: 7100 }, unix: { path: '/tmp/i.sock' } });
  });

  it.each([
    [{ listeners: { ipc: { tcp: { port: 'abc' } } } }, "config field 'listeners.ipc.tcp.port'", 'expected number'],
    [{ listeners: { goridge: { tcp: { port: 70000 } } } }, "config field 'listeners.goridge.tcp.port'", '65535'],
    [{ logLevel: 'loud' }, "config field 'logLevel'", 'expected one of'],
    [{ requests: { overflow: 'drop' } }, "config field 'requests.overflow'", 'expected one of'],
    [{ requests: { timeoutMs: -5 } }, "config field 'requests.timeoutMs'", 'expected number to be >0'],
    [{ bogus: true }, "config field '(root)'", 'bogus'],
    [{ actors: { x: { workers: 2 } } }, "config field 'actors.x.module'", 'expected string'],
  ])('names the bad field and what was expected: %j', (raw, field, expected) => {
    const e = errorOf(() => parseTestConfig(raw, {}));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain(field);
    expect(e.message).toContain(expected);
  });

  it('names a bad environment override', () => {
    const e = errorOf(() => parseTestConfig({}, { PORT: 'six' }));
    expect(e).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(e.message).toContain("PORT='six'");
  });

  it('loads a sidecar.config.ts file written with defineConfig', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const define = new URL('../../../index.ts', import.meta.url).pathname;
    writeFileSync(
      join(dir, 'sidecar.config.ts'),
      `import { defineConfig } from '${define}';\nexport default defineConfig({ logLevel: 'warn', requests: { timeoutMs: 1234 } });\n`,
    );
    const loaded = await loadConfig(undefined, builtinFeatures, {}, dir);
    expect(loaded.file).toBe(join(dir, 'sidecar.config.ts'));
    expect(loaded.config.requests.timeoutMs).toBe(1234);
    await expect(loadConfig('missing.ts', builtinFeatures, {}, dir)).rejects.toMatchObject({ code: 'CONFIG_LOAD_FAILED' });
  });

  it('refuses to start with an actor module that is missing or fails its options', async () => {
    await expect(startTestDaemon({ actors: { ghost: { module: './nope/ghost.ts' } } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining("config field 'actors.ghost.module'"),
    });
    await expect(
      startTestDaemon({ actors: { example: { module: './actors/example/counter.ts', options: { start: 'zero' } } } }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining("config field 'actors.example.options': start must be a number"),
    });
  });
});
