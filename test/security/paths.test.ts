// No path a client sends reaches the file system (Kafka TLS material), files
// the config names are opened without blocking, and runDir, where the
// sockets, pid file and log live, must be the daemon's own.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, startDaemonProcess } from '../helpers/daemon-process.ts';
import { CAN_DROP_PRIVILEGES, asRoot, startOutcome } from './attacker.ts';

async function codeAndMessage(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
  );
}

describe('Kafka TLS paths from clients', () => {
  let d: DaemonProcess;
  let fifo: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outrigger-tls-'));
    fifo = join(dir, 'ca.pem');
    execFileSync('mkfifo', [fifo]);
    d = await startDaemonProcess({
      metrics: { http: { port: 0 } },
      kafka: { driver: 'memory', tlsFiles: [fifo], connections: { dev: { brokers: ['memory-paths:9092'], auto_create_topics_enable: true } } },
    });
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(join(fifo, '..'), { recursive: true, force: true });
  });

  const set = (name: string, root_ca: string): Promise<string> =>
    codeAndMessage(d.client({ timeoutMs: 15_000 }).call('kafka.connections.set', { name, config: { driver: 'kafkajs', brokers: ['127.0.0.1:1'], tls: { root_ca } } }));

  it('refuses a path the config does not list, the same way whether the file exists or not (no existence oracle)', async () => {
    const shadow = await set('a', '/etc/shadow');
    const missing = await set('b', '/nonexistent/ca.pem');
    expect(shadow).toMatch(/^INVALID_PARAMS: params\.config\.tls\.root_ca: send the PEM text, or a path the config lists in kafka\.tlsFiles/);
    expect(missing).toBe(shadow);
  });

  it('opens a listed path without blocking: a FIFO is refused at once and the worker keeps serving', async () => {
    const began = Date.now();
    const r = await set('c', fifo);
    expect(r).toContain('is not a regular file');
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(await d.client().call('kafka.produce', { connection: 'dev', topic: 't', value: 'still served', sync_mode: true })).toMatchObject({ partition: expect.any(Number), offset: expect.any(Number) });
  });
});

describe('runDir', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const p of made) rmSync(p, { recursive: true, force: true });
  });

  /** A config file outside runDir, with runDir set to `runDir`. */
  function configFor(runDir: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'outrigger-cfg-'));
    made.push(dir);
    const file = join(dir, 'config.mjs');
    const config = {
      logLevel: 'warn',
      runDir,
      metrics: { http: { port: 0 } },
      listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } },
    };
    writeFileSync(file, `export default ${JSON.stringify(config)};\n`);
    return file;
  }

  const fresh = (): string => {
    const parent = mkdtempSync(join(tmpdir(), 'outrigger-rundir-'));
    made.push(parent);
    return join(parent, 'run');
  };

  it.skipIf(!CAN_DROP_PRIVILEGES)(asRoot('refuses a runDir another user created first'), async () => {
    const runDir = fresh();
    mkdirSync(runDir, { mode: 0o755 });
    chownSync(runDir, 65534, 65534);
    const r = await startOutcome(configFor(runDir));
    expect(r.ready).toBe(false);
    expect(r.output).toContain('RUN_DIR_UNSAFE');
  });

  it('refuses a runDir others can write to', async () => {
    const runDir = fresh();
    mkdirSync(runDir);
    chmodSync(runDir, 0o777);
    const r = await startOutcome(configFor(runDir));
    expect(r.ready).toBe(false);
    expect(r.output).toContain('RUN_DIR_UNSAFE');
  });

  it('never removes a file at the socket path that is not a socket', async () => {
    const runDir = fresh();
    mkdirSync(runDir, { mode: 0o700 });
    writeFileSync(join(runDir, 'ipc.sock'), 'an operator file');
    const r = await startOutcome(configFor(runDir));
    expect(r.ready).toBe(false);
    expect(existsSync(join(runDir, 'ipc.sock'))).toBe(true);
    expect(readFileSync(join(runDir, 'ipc.sock'), 'utf8')).toBe('an operator file');
  });
});
