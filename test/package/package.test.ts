// Outrigger as users get it: `npm pack`'s tarball holds what a user needs and
// nothing else, and a fresh project that installs it writes an actor and a
// config importing only from 'outrigger' (examples/user-project, the README's
// path), type-checks them strictly against the shipped declarations, starts
// the daemon with `npx outrigger start` and calls the actor over binary IPC
// and Goridge with the shipped clients.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'outrigger-pack-'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

let tarball = '';
let files: string[] = [];

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

beforeAll(() => {
  // npm pack runs `prepare` (the build) first, as for a publish.
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  files = info[0]!.files.map((f) => f.path);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm tarball', () => {
  it('ships the compiled package, its declarations and the bin, and nothing of the repository besides', () => {
    for (const f of ['package.json', 'README.md', 'bin/outrigger.mjs', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/runtime/actor/worker-main.js', 'dist/actors/es/handler-api.d.ts', 'clients/php/src/Bridge.php', 'docs/actors.md']) {
      expect(files, f).toContain(f);
    }
    const unwanted = files.filter(
      (f) =>
        /^(test|bench|examples|deploy|patches|\.ci|\.peers)\//.test(f) ||
        /(^|\/)tests?\//.test(f) ||
        // sources: only compiled JavaScript and declarations ship
        (/\.ts$/.test(f) && !f.endsWith('.d.ts')) ||
        /^(tsconfig.*|vitest\.config\.ts|eslint\.config\.js|sidecar\.config\.ts|Dockerfile|BENCHMARKS\.md|package-lock\.json)$/.test(f) ||
        f.startsWith('dist/actors/example/') ||
        f === 'bin/run-ts.mjs',
    );
    expect(unwanted).toEqual([]);
  });

  it('has no relative TypeScript import left in its JavaScript', () => {
    const js = files.filter((f) => f.endsWith('.js'));
    run('tar', ['-xzf', tarball, '-C', work], work);
    const bad = js.filter((f) => /\b(?:import|from)\s*\(?\s*['"]\.\.?\/[^'"]+\.[cm]?ts['"]/.test(readFileSync(join(work, 'package', f), 'utf8')));
    expect(bad).toEqual([]);
  });
});

describe('a user project', () => {
  const project = join(work, 'my-app');

  beforeAll(() => {
    cpSync(join(ROOT, 'examples/user-project'), project, { recursive: true });
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `typescript@${pkg.devDependencies.typescript}`, `@types/node@${pkg.devDependencies['@types/node']}`],
      project,
    );
  }, 600_000);

  afterAll(() => {
    spawnSync('npx', ['outrigger', 'stop'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  });

  it('type-checks its actor, config and client strictly against the shipped declarations', () => {
    run('npx', ['tsc', '-p', '.'], project);
  }, 300_000); // tsc over every declaration the package pulls in (the Elasticsearch client's are large): minutes on a loaded box

  it('starts the daemon with npx outrigger start, calls the actor over IPC and Goridge, and stops it', () => {
    // The metrics port on an ephemeral port: other test files run daemons at the same time.
    const env = { METRICS_PORT: '0' };
    const started = run('npx', ['outrigger', 'start'], project, env);
    expect(started).toContain('outrigger started');
    // call.ts as the user runs it: compiled by their own tsc (the type-check above emitted it).
    const out = run(process.execPath, ['build/call.js'], project);
    expect(out.trim().split('\n')).toEqual(['hello ipc', "INVALID_PARAMS { field: 'name' }", 'hello goridge']);
    // The actor's unit test as the user runs it (node:test, the shipped harness).
    expect(run(process.execPath, ['--test', 'build/greeter.test.js'], project)).toMatch(/# pass 1/);
    // The README's PHP snippet, pasted beside it, with the PHP bridge the package ships.
    const php = /```php\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))![1]!;
    writeFileSync(join(project, 'call.php'), php);
    expect(run('php', ['call.php'], project).trim().split('\n')).toEqual(['hello php', 'hello php', 'INVALID_PARAMS {"field":"name"}']);
    const status = run('npx', ['outrigger', 'status', '--json'], project);
    expect(JSON.parse(status).actors.map((a: { name: string }) => a.name)).toContain('greeter');
    expect(run('npx', ['outrigger', 'stop'], project)).toMatch(/outrigger stopped/);
  }, 180_000);
});
