import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const phpDir = fileURLToPath(new URL('../../../clients/php/', import.meta.url));

/** Runs the PHP library's phpunit suites (Debian's phpunit 9.6) with the daemons' addresses in `env`. */
export function phpunit(env: Record<string, string>, suites: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'phpunit',
      ['--configuration', join(phpDir, 'phpunit.xml.dist'), '--testsuite', suites],
      { cwd: phpDir, env: { ...process.env, ...env }, timeout: 180_000 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        if (e && e.code === 'ENOENT') {
          reject(new Error('phpunit is not installed: apt-get install -y php-cli php-msgpack phpunit (test/peers/install-debian.sh)'));
          return;
        }
        resolve({ code: e ? Number(e.code ?? 1) : 0, output: stdout + stderr });
      },
    );
  });
}
