// Secrets in the config (SASL passwords, TLS keys, credentials in URLs,
// exporter auth headers) must never reach logs, `outrigger status` or
// /metrics. A real daemon process runs at trace log level, an actor logs its
// whole options block, a reload is applied, and every output is searched.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { cli, type ProcessDaemon, spawnDaemon } from '../../helpers/process-daemon.ts';

const SECRETS = ['SASL-SECRET-1', 'KEYSECRET2', 'URLSECRET3', 'SASL-SECRET-4', 'HEADERSECRET5', 'EPSECRET6', 'TOKENSECRET7'];

function config(dir: string, logLevel: string): string {
  return `export default ${JSON.stringify(
    {
      runDir: join(dir, 'run'),
      logLevel,
      metrics: { http: { port: 0 } },
      reload: { watch: false },
      listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } },
      tracing: { otlpEndpoint: 'http://collector:EPSECRET6@127.0.0.1:9/v1/traces', headers: { authorization: 'Bearer HEADERSECRET5' }, exportIntervalMs: 100 },
      actors: {
        opsprobe: {
          module: resolve('test/fixtures/actors/opsprobe.ts'),
          options: {
            brokers: ['kafka://app:URLSECRET3@127.0.0.1:9092'],
            sasl: { mechanism: 'scram-sha-512', username: 'app', password: 'SASL-SECRET-1' },
            saslPassword: 'SASL-SECRET-4',
            tls: { cert: 'PUBLIC', key: '-----BEGIN PRIVATE KEY-----KEYSECRET2' },
            nested: { deeper: { evenDeeper: { apiToken: 'TOKENSECRET7' } } },
          },
        },
      },
    },
    null,
    2,
  )};\n`;
}

describe('secrets stay out of logs, status and metrics', () => {
  let dir: string;
  let d: ProcessDaemon;
  let file: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outrigger-secrets-'));
    file = join(dir, 'sidecar.config.ts');
    // a config outside a "type": "module" package would be loaded as CommonJS
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(file, config(dir, 'trace'));
    d = await spawnDaemon(file);
  });
  afterAll(async () => {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never prints them', async () => {
    const c = new IpcClient({ path: join(dir, 'run', 'ipc.sock'), heartbeatMs: 0 });
    try {
      expect(await c.call('opsprobe.logOptions')).toBe('logged');
      // a traced request makes the exporter try (and fail against) the credentialed endpoint
      await c.call('opsprobe.trace', {}, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
      await expect(c.call('opsprobe.connect', { port: 9 })).rejects.toThrow();
    } finally {
      c.close();
    }
    await d.waitFor('opsprobe options');
    // a reload logs its changes
    writeFileSync(file, config(dir, 'debug'));
    d.child.kill('SIGHUP');
    await d.waitFor('config reloaded');

    const status = await cli(['status', '--config', file]);
    expect(status.code).toBe(0);
    const statusJson = await cli(['status', '--json', '--config', file]);
    const metricsUrl = (JSON.parse(statusJson.stdout) as { sections: { ops: { metricsUrl: string; tracing: { failures: number } } } }).sections.ops.metricsUrl;
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    await new Promise((r) => setTimeout(r, 300));

    const logs = d.output();
    // the things we search really were logged / shown
    expect(logs).toContain('"options":');
    expect(logs).toContain('[redacted]');
    expect(statusJson.stdout).toContain('"tracing"');
    for (const secret of SECRETS) {
      expect(logs, `log contains ${secret}`).not.toContain(secret);
      expect(status.stdout, `status contains ${secret}`).not.toContain(secret);
      expect(statusJson.stdout, `status --json contains ${secret}`).not.toContain(secret);
      expect(metrics, `metrics contain ${secret}`).not.toContain(secret);
    }
  });
});
