// What the security tests attack a real daemon process with: raw frames on
// bare sockets (no client library smoothing anything over), and a local user
// who is not the daemon's (uid 65534, through setpriv) when the tests run as
// root.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/wait.ts';

/** Dropping to another user needs root (setpriv changes the uid). */
export const CAN_DROP_PRIVILEGES = process.getuid?.() === 0;
export const NOT_ROOT_MESSAGE = 'skipped: the unprivileged-user cases run only as root (setpriv --reuid 65534); run the tests as root to include them';
if (!CAN_DROP_PRIVILEGES) console.warn(`test/security: ${NOT_ROOT_MESSAGE}`);

/** A test title that says why it was skipped when the tests do not run as root. */
export const asRoot = (title: string): string => (CAN_DROP_PRIVILEGES ? `${title} (as uid 65534)` : `${title}: ${NOT_ROOT_MESSAGE}`);

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/actors/${name}`, import.meta.url));

/** An IPC frame (version 0x0101 unless given, type 0x04 async unless given). */
export function ipcFrame(payload: string | Buffer, type = 0x04, version = 0x0101): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const h = Buffer.alloc(7);
  h.writeUInt16BE(version, 0);
  h[2] = type;
  h.writeUInt32BE(body.length, 3);
  return Buffer.concat([h, body]);
}

/** A bare socket that collects whole IPC frames (payloads as raw text: a test checks they are valid JSON). */
export class RawSocket {
  readonly socket: net.Socket;
  readonly payloads: string[] = [];
  closed = false;
  #buf = Buffer.alloc(0);

  constructor(target: string | number) {
    this.socket = typeof target === 'number' ? net.connect({ host: '127.0.0.1', port: target }) : net.connect(target);
    this.socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      while (this.#buf.length >= 7) {
        const len = this.#buf.readUInt32BE(3);
        if (this.#buf.length < 7 + len) break;
        this.payloads.push(this.#buf.subarray(7, 7 + len).toString('utf8'));
        this.#buf = this.#buf.subarray(7 + len);
      }
    });
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connecting) return resolve();
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  write(b: Buffer): boolean {
    return this.socket.write(b);
  }

  async waitFor(n: number, timeoutMs = 10_000): Promise<string[]> {
    await until(() => this.payloads.length >= n || this.closed, timeoutMs, `${n} frames`);
    return this.payloads;
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await until(() => this.closed, timeoutMs, 'the daemon to close the connection');
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  await waitFor(what, cond, timeoutMs);
}

/**
 * Runs a small Node program as uid/gid 65534 with no supplementary groups:
 * another local user on the same host. The program gets `args` as
 * process.argv[1..] and prints one line of JSON, which is returned.
 */
export function runAsNobody(program: string, args: string[] = [], timeoutMs = 20_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      'setpriv',
      ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, '-e', program, ...args],
      { timeout: timeoutMs, cwd: '/' },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`program as uid 65534 failed: ${err?.message ?? ''}\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

/**
 * The program uid 65534 runs: connects over TCP (or a unix path), sends one
 * IPC async request per JSON envelope in argv, and prints the replies (or
 * the connection error) as JSON.
 */
export const IPC_CALLS_PROGRAM = `
const net = require('node:net');
const [target, ...envelopes] = process.argv.slice(1);
const s = /^\\d+$/.test(target) ? net.connect({ host: '127.0.0.1', port: Number(target) }) : net.connect(target);
let buf = Buffer.alloc(0);
const replies = [];
const done = (extra) => { console.log(JSON.stringify({ replies, ...extra })); process.exit(0); };
s.on('error', (e) => done({ error: e.code }));
s.on('close', () => done({ closed: true }));
s.on('connect', () => {
  for (const e of envelopes) {
    const body = Buffer.from(e);
    const h = Buffer.alloc(7); h.writeUInt16BE(0x0101, 0); h[2] = 4; h.writeUInt32BE(body.length, 3);
    s.write(Buffer.concat([h, body]));
  }
});
s.on('data', (c) => {
  buf = Buffer.concat([buf, c]);
  while (buf.length >= 7 && buf.length >= 7 + buf.readUInt32BE(3)) {
    replies.push(JSON.parse(buf.subarray(7, 7 + buf.readUInt32BE(3)).toString()));
    buf = buf.subarray(7 + buf.readUInt32BE(3));
  }
  if (replies.length === envelopes.length) done({});
});
setTimeout(() => done({ timeout: true }), 8000);
`;

/** A free TCP port on loopback (for listeners a test must know the port of before start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** One sample of a Prometheus metric from the daemon's /metrics (the first, or the first with these labels). */
export async function metric(port: number, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const want = Object.entries(labels)
    .map(([k, v]) => `(?=[^}]*${k}="${v}")`)
    .join('');
  const m = new RegExp(`^${name}(?:\\{${want}[^}]*\\})${want ? '' : '?'} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Starts `outrigger start --foreground` on a config file and reports how it
 * ended: refused (exit code and output), or ready (then stopped again), so a
 * test of a refusal cannot hang on a daemon that wrongly starts.
 */
export async function startOutcome(configFile: string, timeoutMs = 30_000): Promise<{ ready: boolean; code: number | null; output: string }> {
  const { spawn } = await import('node:child_process');
  const bin = fileURLToPath(new URL('../../bin/outrigger.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'start', '--foreground', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const poll = setInterval(() => {
      if (!output.includes('OUTRIGGER READY')) return;
      clearInterval(poll);
      child.kill('SIGTERM');
    }, 20);
    child.once('exit', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ ready: output.includes('OUTRIGGER READY'), code, output });
    });
  });
}
