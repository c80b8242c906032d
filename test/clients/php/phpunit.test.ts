import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { phpunit } from './run-phpunit.ts';

/*
 * Runs the PHP bridge library's phpunit suite (clients/php, Debian's phpunit
 * 9.6 and php-cli with ext-sockets and ext-msgpack) against daemons started
 * here: one serving Goridge (TCP + unix) and binary IPC (unix + TCP), and one
 * that the App.Shutdown test stops.
 */

const TOKEN = 'php-bridge-test-token-0123456789';

describe('PHP bridge library (phpunit) against live daemons', () => {
  let main: TestDaemon;
  let shutdown: TestDaemon;
  let tokened: TestDaemon;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    main = await startTestDaemon(
      {
        listeners: {
          goridge: { tcp: { host: '127.0.0.1', port: 0 }, unix: { path: 'goridge.sock' }, maxFrameBytes: 1024 * 1024 },
          ipc: { unix: { path: 'ipc.sock' }, tcp: { host: '127.0.0.1', port: 0 } },
        },
        actors: { probe: { module: './test/fixtures/actors/probe.ts' } },
        // BridgeTest checks the App API's answer when no Kafka actor serves it.
        app: { kafkaActor: 'absent-kafka' },
      },
    );
    // App.Shutdown is admin-class: the application's unix socket may call it, TCP may not (docs/security.md).
    shutdown = await startTestDaemon({ listeners: { goridge: { unix: { path: 'goridge.sock' } } } });
    // TokenTest: with a token set, TCP connections must present it (docs/security.md).
    tokened = await startTestDaemon({
      security: { token: TOKEN },
      listeners: { goridge: { tcp: { host: '127.0.0.1', port: 0 } }, ipc: { unix: { path: 'ipc.sock' }, tcp: { host: '127.0.0.1', port: 0 } } },
    });
    const port = (d: TestDaemon, name: string): number => d.daemon.listeners.find((l) => l.name === name)!.tcpPort!;
    Object.assign(env, {
      OUTRIGGER_GORIDGE_TCP: `tcp://127.0.0.1:${port(main, 'goridge')}`,
      OUTRIGGER_GORIDGE_UNIX: `unix://${join(main.runDir, 'goridge.sock')}`,
      OUTRIGGER_IPC_UNIX: `unix://${join(main.runDir, 'ipc.sock')}`,
      OUTRIGGER_IPC_TCP: `tcp://127.0.0.1:${port(main, 'ipc')}`,
      OUTRIGGER_SHUTDOWN_GORIDGE: `unix://${join(shutdown.runDir, 'goridge.sock')}`,
      OUTRIGGER_TOKEN_GORIDGE_TCP: `tcp://127.0.0.1:${port(tokened, 'goridge')}`,
      OUTRIGGER_TOKEN_IPC_TCP: `tcp://127.0.0.1:${port(tokened, 'ipc')}`,
      OUTRIGGER_TOKEN_SECRET: TOKEN,
    });
  });
  afterAll(async () => {
    await main?.stop();
    await shutdown?.stop();
    await tokened?.stop();
  });

  it('passes every phpunit test', async () => {
    const { code, output } = await phpunit(env, 'unit,live');
    if (code !== 0) console.error(output);
    expect(output).toMatch(/OK \(\d+ tests, \d+ assertions\)/);
    expect(code).toBe(0);
    await shutdown.daemon.stopped; // App.Shutdown stopped it
  });
});
