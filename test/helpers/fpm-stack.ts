// nginx in front of php-fpm, both Debian's (test/peers/install-debian.sh), on
// loopback, with their own configuration files in a temporary directory: no
// system service is started or changed. PHP runs with Debian's FPM php.ini
// (opcache on), as a PHP-FPM application would. Used by the PHP bridge's
// tests under a real php-fpm and by bench/php-fpm.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FpmStackOptions {
  /** Directory whose .php files nginx serves. */
  docroot: string;
  /** php-fpm workers (pm = static): each serves one request at a time and keeps its persistent sockets. */
  workers: number;
  /** Environment of the PHP workers (clear_env = no: they inherit php-fpm's). */
  env?: Record<string, string>;
  /** php.ini settings for the pool (php_admin_value). */
  ini?: Record<string, string>;
}

export interface FpmStack {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  readonly fpmPid: number;
  readonly nginxPid: number;
  /** Pids of the php-fpm worker processes now. */
  workerPids(): number[];
  /** The PHP error log so far (fatal errors of requests land here). */
  phpErrors(): string;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'install them with test/peers/install-debian.sh (apt-get install nginx php-fpm)';

function findFpm(): string {
  const sbin = existsSync('/usr/sbin') ? readdirSync('/usr/sbin').filter((f) => /^php-fpm\d+\.\d+$/.test(f)) : [];
  if (sbin.length === 0) throw new Error(`php-fpm is not installed: ${INSTALL_HINT}`);
  return join('/usr/sbin', sbin.sort().pop()!);
}

function findNginx(): string {
  if (!existsSync('/usr/sbin/nginx')) throw new Error(`nginx is not installed: ${INSTALL_HINT}`);
  return '/usr/sbin/nginx';
}

/** A free loopback TCP port (the OS picks it; nginx binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function waitFor(check: () => boolean | Promise<boolean>, what: string, proc: ChildProcess, log: () => string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = async (): Promise<void> => {
      if (proc.exitCode !== null) return reject(new Error(`${what} exited with ${proc.exitCode}:\n${log()}`));
      if (await check()) return resolve();
      if (Date.now() > until) return reject(new Error(`${what} not ready within ${ms} ms:\n${log()}`));
      setTimeout(() => void tick(), 50);
    };
    void tick();
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const read = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');

function stopProcess(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    proc.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    proc.kill(signal);
  });
}

export async function startFpmStack(opts: FpmStackOptions): Promise<FpmStack> {
  const fpmBin = findFpm();
  const nginxBin = findNginx();
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-fpm-'));
  const root = process.getuid?.() === 0;
  const port = await freePort();
  const fpmSock = join(dir, 'php-fpm.sock');
  const phpLog = join(dir, 'php-errors.log');
  const iniLines = Object.entries({ log_errors: 'On', display_errors: 'Off', error_log: phpLog, ...opts.ini }).map(
    ([k, v]) => `php_admin_value[${k}] = ${v}`,
  );
  writeFileSync(
    join(dir, 'php-fpm.conf'),
    [
      '[global]',
      `pid = ${join(dir, 'php-fpm.pid')}`,
      `error_log = ${join(dir, 'php-fpm.log')}`,
      'daemonize = no',
      '[app]',
      `listen = ${fpmSock}`,
      // nginx's workers run as another user when started by root.
      'listen.mode = 0666',
      'pm = static',
      `pm.max_children = ${opts.workers}`,
      'clear_env = no',
      'catch_workers_output = yes',
      ...iniLines,
      '',
    ].join('\n'),
  );
  for (const t of ['body', 'fastcgi', 'proxy', 'uwsgi', 'scgi']) mkdirSync(join(dir, t));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
${root ? 'user root;' : ''}
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  proxy_temp_path ${join(dir, 'proxy')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    root ${opts.docroot};
    location ~ \\.php$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_pass unix:${fpmSock};
    }
  }
}
`,
  );
  // The daemon user of Debian's php-fpm (www-data) needs -R only when started by root.
  const fpm = spawn(fpmBin, ['--nodaemonize', ...(root ? ['-R'] : []), '-y', join(dir, 'php-fpm.conf')], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let fpmOut = '';
  fpm.stderr!.on('data', (b: Buffer) => (fpmOut += b.toString()));
  const fpmLog = (): string => `${fpmOut}${read(join(dir, 'php-fpm.log'))}`;
  const nginx = spawn(nginxBin, ['-c', join(dir, 'nginx.conf'), '-e', join(dir, 'nginx-error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let nginxOut = '';
  nginx.stderr!.on('data', (b: Buffer) => (nginxOut += b.toString()));
  const stop = async (): Promise<void> => {
    await Promise.all([stopProcess(nginx, 'SIGTERM'), stopProcess(fpm, 'SIGTERM')]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(() => existsSync(fpmSock), 'php-fpm', fpm, fpmLog);
    await waitFor(() => accepts(port), 'nginx', nginx, () => `${nginxOut}${read(join(dir, 'nginx-error.log'))}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    fpmPid: fpm.pid!,
    nginxPid: nginx.pid!,
    workerPids: () =>
      read(`/proc/${fpm.pid}/task/${fpm.pid}/children`)
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    phpErrors: () => read(phpLog),
    stop,
  };
}
