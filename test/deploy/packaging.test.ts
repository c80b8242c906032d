// The shipped deployment files are consistent with the daemon: their configs
// load and validate, probes point at the real endpoints and port, the
// systemd unit verifies and reloads with SIGHUP.
import { spawnSync } from 'node:child_process';
import { builtinFeatures } from '../../actors/builtins.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../runtime/feature/load.ts';

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}

async function loadConfigSource(source: string): Promise<Awaited<ReturnType<typeof loadConfig>>['config']> {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-pkg-'));
  try {
    const file = join(dir, 'sidecar.config.mts');
    writeFileSync(file, source);
    return (await loadConfig(file, builtinFeatures, {})).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Kubernetes example', () => {
  const docs = parseAllDocuments(readFileSync('deploy/kubernetes/php-with-outrigger.yaml', 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
  const configMap = docs.find((d) => d.kind === 'ConfigMap') as { data: Record<string, string> };
  const deployment = docs.find((d) => d.kind === 'Deployment') as {
    spec: { template: { spec: { containers: Container[]; terminationGracePeriodSeconds: number } } };
  };
  const pod = deployment.spec.template.spec;
  const sidecar = pod.containers.find((c) => c.name === 'outrigger')!;
  const php = pod.containers.find((c) => c.name === 'php')!;

  it('runs Outrigger next to PHP with probes on /healthz and /readyz at the metrics port', async () => {
    const config = await loadConfigSource(configMap.data['sidecar.config.mts']!);
    const metricsPort = sidecar.ports!.find((p) => p.name === 'metrics')!.containerPort;
    expect(config.metrics.http.port).toBe(metricsPort);
    expect(config.metrics.http.host).toBe('0.0.0.0');
    expect(sidecar.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(sidecar.readinessProbe!.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(sidecar.startupProbe!.httpGet.path).toBe('/healthz');
    // the drain fits inside the pod's grace period
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdown.graceMs);
    // both containers share the socket directory the config puts the IPC socket in
    const mount = (c: Container): string | undefined => c.volumeMounts?.find((m) => m.name === 'outrigger-run')?.mountPath;
    expect(mount(php)).toBe('/run/outrigger');
    expect(config.listeners.ipc.unix!.path.startsWith(`${mount(sidecar)}/`)).toBe(true);
    // loopback-only for the PHP-facing listeners
    expect(config.listeners.goridge.tcp!.host).toBe('127.0.0.1');
    expect(config.listeners.ipc.tcp!.host).toBe('127.0.0.1');
  });
});

describe('container image config', () => {
  it('is a valid config with the probes reachable from the kubelet', async () => {
    const config = await loadConfigSource(readFileSync('deploy/docker/sidecar.config.mts', 'utf8'));
    expect(config.metrics.http).toMatchObject({ host: '0.0.0.0', port: 9464 });
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toContain('/healthz');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('EXPOSE 9464');
  });
});

describe('systemd unit', () => {
  const unit = readFileSync('deploy/systemd/outrigger.service', 'utf8');
  it('reloads with SIGHUP, stops with SIGTERM after the drain, and runs in the foreground', () => {
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1]) * 1000).toBeGreaterThan(30_000);
    expect(unit).toMatch(/^ExecStart=.* start --foreground /m);
  });

  it('passes systemd-analyze verify', () => {
    if (!existsSync('/usr/bin/systemd-analyze')) throw new Error('systemd-analyze not found: apt-get install systemd');
    const dir = mkdtempSync(join(tmpdir(), 'outrigger-unit-'));
    try {
      const file = join(dir, 'outrigger.service');
      // verify checks that ExecStart's binary exists: point it at this machine's node
      writeFileSync(file, unit.replace('/usr/bin/node', process.execPath));
      const r = spawnSync('/usr/bin/systemd-analyze', ['verify', file], { encoding: 'utf8' });
      // unknown keys are only warnings (stderr, exit 0): both must be clean
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
