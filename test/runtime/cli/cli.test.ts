import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/outrigger.mjs', import.meta.url));
const DEFINE = fileURLToPath(new URL('../../../index.ts', import.meta.url));

function outrigger(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 90_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

function writeConfig(body: string): { file: string; runDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-cli-'));
  const runDir = join(dir, 'run');
  const file = join(dir, 'sidecar.config.ts');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(
    file,
    `import { defineConfig } from '${DEFINE}';\n` +
      `export default defineConfig({ runDir: '${runDir}', logLevel: 'warn', ${body} });\n`,
  );
  return { file, runDir };
}

// metrics on an ephemeral port: the default 9464 would collide with daemons other test files start in parallel
const LISTENERS = `listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } }, metrics: { http: { port: 0 } }`;

describe('outrigger CLI', () => {
  it('starts in the background, reports status, refuses a second start, stops gracefully', () => {
    const { file, runDir } = writeConfig(LISTENERS);
    const start = outrigger(['start', '--config', file]);
    expect(start.out).toContain('outrigger started, pid');
    expect(start.code).toBe(0);
    expect(existsSync(join(runDir, 'outrigger.pid'))).toBe(true);

    const again = outrigger(['start', '--config', file]);
    expect(again.code).toBe(1);
    expect(again.out).toContain('ALREADY_RUNNING');

    const status = outrigger(['status', '--config', file]);
    expect(status.code).toBe(0);
    for (const word of ['LISTENER', 'ipc', 'control', 'ACTOR', 'sys', 'in-flight']) expect(status.out).toContain(word);
    const json = JSON.parse(outrigger(['status', '--config', file, '--json']).out);
    expect(json.actors[0]).toMatchObject({ name: 'sys', kind: 'pooled' });

    const stop = outrigger(['stop', '--config', file]);
    expect(stop.code).toBe(0);
    expect(stop.out).toMatch(/outrigger stopped \(pid \d+\): 0 of 0 in-flight requests drained, 0 abandoned/);
    expect(existsSync(join(runDir, 'outrigger.pid'))).toBe(false);
    expect(outrigger(['status', '--config', file]).out).toContain('NOT_RUNNING');
  }, 240_000); // seven CLI processes in a row, each starting tsx and Node: minutes on a loaded box

  it('drains on SIGTERM and exits at once on a second signal', async () => {
    const faulty = fileURLToPath(new URL('../../fixtures/actors/faulty.ts', import.meta.url));
    const { file, runDir } = writeConfig(`${LISTENERS}, actors: { faulty: { module: '${faulty}' } }`);
    const proc = spawn(process.execPath, [BIN, 'start', '--foreground', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => proc.stdout.on('data', (b: Buffer) => b.toString().includes('READY') && resolve()));
    const { IpcClient } = await import('../../../clients/ts/ipc-client.ts');
    const client = new IpcClient({ path: join(runDir, 'ipc.sock'), heartbeatMs: 0 });
    const stuck = client.call('faulty.sleep', { ms: 60_000 }).catch((e: { code: string }) => e.code);
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(proc.exitCode).toBeNull(); // still draining: the request is in flight, grace is 30 s
    const t0 = Date.now();
    proc.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await stuck).toBe('CONNECTION_CLOSED');
    client.close();
  });

  it('stop --timeout MS drains for MS, not shutdown.graceMs, and reports what it abandoned', async () => {
    const faulty = fileURLToPath(new URL('../../fixtures/actors/faulty.ts', import.meta.url));
    const { file, runDir } = writeConfig(`${LISTENERS}, actors: { faulty: { module: '${faulty}' } }`);
    const proc = spawn(process.execPath, [BIN, 'start', '--foreground', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => proc.stdout.on('data', (b: Buffer) => b.toString().includes('READY') && resolve()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const { IpcClient } = await import('../../../clients/ts/ipc-client.ts');
    const client = new IpcClient({ path: join(runDir, 'ipc.sock'), heartbeatMs: 0 });
    const stuck = client.call('faulty.sleep', { ms: 60_000 }).catch((e: { code: string }) => e.code);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const stop = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'stop', '--config', file, '--timeout', '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out += b.toString()));
      p.once('close', (code) => resolve({ code, out }));
    });
    expect(stop.out).toMatch(/outrigger stopped \(pid \d+\): 0 of 1 in-flight requests drained, 1 abandoned, in \d+ ms/);
    expect(stop.code).toBe(0);
    expect(Number(/in (\d+) ms/.exec(stop.out)![1])).toBeLessThan(5000); // the 30 s grace was not waited out
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(await exited).toBe(0);
    expect(await stuck).toBe('SHUTTING_DOWN'); // its actor stopped before it finished
    client.close();
  }, 90_000);

  it('keeps serving after whoever started it closed its stdout and stderr', async () => {
    // info: the daemon logs while starting and on every connection, all into the closed pipe.
    const { file, runDir } = writeConfig(`${LISTENERS}, logLevel: 'info'`);
    const proc = spawn(process.execPath, [BIN, 'start', '--foreground', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    // The launcher goes away before the daemon prints its ready line: every later write hits a closed pipe.
    proc.stdout.destroy();
    proc.stderr.destroy();
    const sock = join(runDir, 'ipc.sock');
    const until = Date.now() + 30_000;
    while (!existsSync(sock) && proc.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(proc.exitCode).toBeNull();
    const { IpcClient } = await import('../../../clients/ts/ipc-client.ts');
    const client = new IpcClient({ path: sock, heartbeatMs: 0 });
    expect(await client.call('sys.echo', { still: 'here' })).toEqual({ still: 'here' });
    client.close();
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses to start on a bad config field and names it', () => {
    const { file } = writeConfig(`${LISTENERS}, requests: { timeoutMs: 'soon' }`);
    const r = outrigger(['start', '--foreground', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('CONFIG_INVALID');
    expect(r.out).toContain("config field 'requests.timeoutMs'");
    expect(r.out).toContain('expected number');
  });

  it('names a bad environment override', () => {
    const { file } = writeConfig(LISTENERS);
    const r = outrigger(['start', '--foreground', '--config', file], { IPC_PORT: 'x' });
    expect(r.code).toBe(1);
    expect(r.out).toContain("IPC_PORT='x'");
  });
});
