import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { type FpmStack, freePort, startFpmStack } from '../../helpers/fpm-stack.ts';
import { phpunit } from './run-phpunit.ts';

/*
 * clients/php/tests/FpmPersistenceTest.php: the PHP bridge's kept connections
 * under a real php-fpm (Debian's, one worker) behind nginx, against a live
 * daemon on a fixed port. The phpunit test restarts that daemon through a
 * loopback control endpoint served here (POST /restart-daemon), and kills
 * requests in the middle of a call, then checks what the next request gets.
 */

const docroot = fileURLToPath(new URL('../../../clients/php/tests/fpm/', import.meta.url));

describe('PHP bridge under php-fpm behind nginx: connections kept across requests', () => {
  let port: number;
  let daemon: TestDaemon;
  let fpm: FpmStack;
  let control: Server;
  const env: Record<string, string> = {};

  const startDaemon = (): Promise<TestDaemon> =>
    startTestDaemon(
      {
        listeners: { goridge: { tcp: { host: '127.0.0.1', port } } },
        actors: { probe: { module: './test/fixtures/actors/probe.ts' } },
      },
    );

  beforeAll(async () => {
    port = await freePort();
    daemon = await startDaemon();
    fpm = await startFpmStack({ docroot, workers: 1, env: { OUTRIGGER_GORIDGE_TCP: `tcp://127.0.0.1:${port}` } });
    control = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/restart-daemon') {
        res.writeHead(404).end();
        return;
      }
      void (async () => {
        await daemon.stop();
        daemon = await startDaemon();
        res.end('ok');
      })().catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
    Object.assign(env, {
      OUTRIGGER_FPM_URL: fpm.url,
      OUTRIGGER_FPM_CONTROL: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    });
  });
  afterAll(async () => {
    control?.close();
    await fpm?.stop();
    await daemon?.stop();
  });

  it('passes FpmPersistenceTest', async () => {
    const { code, output } = await phpunit(env, 'fpm');
    if (code !== 0) console.error(output, fpm.phpErrors());
    expect(output).toMatch(/OK \(\d+ tests, \d+ assertions\)/);
    expect(code).toBe(0);
    // The blob request died of its memory limit mid-reply, as intended.
    expect(fpm.phpErrors()).toMatch(/Allowed memory size of \d+ bytes exhausted/);
  }, 120_000);
});
