import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/*
 * The real Go client (github.com/roadrunner-server/goridge/v3 v3.8.3, net/rpc
 * ClientCodec: gob bodies) against the live listener over TCP and a unix
 * socket: string, []byte, map and struct arguments, errors, and calls
 * pipelined on one connection. Needs Go and the Go module proxy (or a warm
 * module cache); see test/interop/go/goridgeclient/main.go.
 */

const run = promisify(execFile);
const moduleDir = fileURLToPath(new URL('./go/', import.meta.url));
const binary = join(tmpdir(), 'outrigger-interop', 'goridgeclient');

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

async function buildClient(): Promise<void> {
  mkdirSync(join(tmpdir(), 'outrigger-interop'), { recursive: true });
  try {
    await run('go', ['build', '-o', binary, './goridgeclient'], { cwd: moduleDir, timeout: 300_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the Go toolchain is required for this test: `go` is not on PATH');
    throw new Error(`go build of test/interop/go/goridgeclient failed (module proxy reachable?):\n${e.stderr ?? e.message}`);
  }
}

async function runClient(addr: string): Promise<Check[]> {
  let stdout: string;
  try {
    stdout = (await run(binary, ['-addr', addr], { timeout: 60_000 })).stdout;
  } catch (err) {
    stdout = (err as { stdout?: string }).stdout ?? '';
    if (stdout === '') throw err;
  }
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Check);
}

describe('real Go goridge v3 client against the Goridge listener', () => {
  let d: TestDaemon;
  let tcp: string;
  let unix: string;

  beforeAll(async () => {
    const [daemon] = await Promise.all([
      startTestDaemon(
        {
          listeners: { goridge: { tcp: { host: '127.0.0.1', port: 0 }, unix: { path: 'goridge.sock' } } },
          app: { enabled: false }, actors: { app: { module: './test/fixtures/actors/goridge-app.ts' } },
        },
      ),
      buildClient(),
    ]);
    d = daemon;
    tcp = `tcp://127.0.0.1:${d.daemon.listeners.find((l) => l.name === 'goridge')!.tcpPort}`;
    unix = `unix://${join(d.runDir, 'goridge.sock')}`;
  }, 300_000);
  afterAll(() => d?.stop());

  it.each([
    ['TCP', () => tcp],
    ['unix socket', () => unix],
  ])('passes every check over %s', async (_t, addr) => {
    const checks = await runClient(addr());
    const failed = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['string', 'byte slice', 'map[string]string', 'struct', 'pipelined 1280 calls on one connection']),
    );
    expect(checks.length).toBeGreaterThanOrEqual(20);
  });
});
