// `outrigger reload` and the ops parts of `outrigger status` against a real daemon process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { cli, type ProcessDaemon, spawnDaemon } from '../../helpers/process-daemon.ts';

function config(dir: string, extra: Record<string, unknown> = {}): string {
  return `export default ${JSON.stringify({
    runDir: join(dir, 'run'),
    logLevel: 'info',
    metrics: { http: { port: 0 } },
    reload: { watch: false },
    listeners: { ipc: { unix: { path: 'ipc.sock' }, rateLimit: { perSecond: 1000 } }, goridge: { enabled: false }, isp: { enabled: false } },
    actors: { opsprobe: { module: resolve('test/fixtures/actors/opsprobe.ts') } },
    ...extra,
  })};\n`;
}

describe('outrigger reload and status (ops)', () => {
  let dir: string;
  let file: string;
  let d: ProcessDaemon;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outrigger-cli-'));
    file = join(dir, 'sidecar.config.ts');
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(file, config(dir));
    d = await spawnDaemon(file);
  });
  afterAll(async () => {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reload prints what changed, and refuses a bad config with RELOAD_REJECTED naming the field', async () => {
    writeFileSync(file, config(dir, { logLevel: 'warn' }));
    const ok = await cli(['reload', '--config', file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('config reloaded:');
    expect(ok.stdout).toContain('log level warn');

    writeFileSync(file, config(dir, { requests: { overflow: 'explode' } }));
    const bad = await cli(['reload', '--config', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('RELOAD_REJECTED');
    expect(bad.stderr).toContain("config field 'requests.overflow'");
    expect(bad.stderr).toContain('the running config stays');

    // valid TypeScript, valid fields, but an actor that cannot start: the daemon itself refuses it
    writeFileSync(file, config(dir, { logLevel: 'warn', actors: { broken: { module: '/nonexistent/actor.ts' } } }));
    const refused = await cli(['reload', '--config', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/RELOAD_REJECTED: .*actors\.broken\.module/);
    writeFileSync(file, config(dir, { logLevel: 'warn' }));
  });

  it('status shows health, the metrics address, rate limits, breakers and reloads', async () => {
    const c = new IpcClient({ path: join(dir, 'run', 'ipc.sock'), heartbeatMs: 0 });
    try {
      await expect(c.call('opsprobe.connect', { port: 9 })).rejects.toThrow();
      await expect(c.call('opsprobe.connect', { port: 9 })).rejects.toThrow();
    } finally {
      c.close();
    }
    // breaker states travel with the worker heartbeat (1 s)
    await new Promise((r) => setTimeout(r, 1300));
    const s = await cli(['status', '--config', file]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/health: ready {2}metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(s.stdout).toMatch(/LISTENER .* RATE-LIMITED/);
    expect(s.stdout).toMatch(/BREAKER +ACTOR +WORKER +STATE/);
    expect(s.stdout).toMatch(/probe-backend +opsprobe +0 +OPEN/);
    expect(s.stdout).toMatch(/reloads: applied 1 {2}rejected 1 {2}failed 0 {2}last .*REJECTED: .*actors\.broken\.module/);
  });
});
