// Who may call what over each listener (docs/security.md): a local user who
// cannot open the unix socket cannot stop, reconfigure or inspect the daemon
// over TCP; data-plane calls work as configured; with a token set, TCP
// clients present it first (the TS clients do so with their `token` option).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoridgeClient } from '../../clients/ts/goridge-client.ts';
import { IpcClient } from '../../clients/ts/ipc-client.ts';
import { type DaemonProcess, startDaemonProcess } from '../helpers/daemon-process.ts';
import { CAN_DROP_PRIVILEGES, IPC_CALLS_PROGRAM, asRoot, freePort, runAsNobody } from './attacker.ts';

type Reply = { id: number; result?: unknown; error?: { code: string; message: string } };
type Outcome = { replies: Reply[]; error?: string; closed?: boolean; timeout?: boolean };

const call = (id: number, method: string, params?: unknown): string => JSON.stringify({ id, method, params });
const codes = (o: Outcome): (string | undefined)[] => o.replies.sort((a, b) => a.id - b.id).map((r) => r.error?.code ?? 'ok');

describe('no token configured', () => {
  let d: DaemonProcess;
  let ipcPort: number;
  let goridgePort: number;

  beforeAll(async () => {
    [ipcPort, goridgePort] = [await freePort(), await freePort()];
    d = await startDaemonProcess({
      metrics: { http: { port: 0 } },
      listeners: {
        ipc: { unix: { path: 'ipc.sock' }, tcp: { host: '127.0.0.1', port: ipcPort } },
        goridge: { tcp: { host: '127.0.0.1', port: goridgePort } },
      },
    });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it.skipIf(!CAN_DROP_PRIVILEGES)(asRoot('uid 65534 over TCP cannot stop, reconfigure or inspect the daemon, but may use the data plane'), async () => {
    const o = (await runAsNobody(IPC_CALLS_PROGRAM, [
      String(ipcPort),
      call(1, 'app.shutdown'),
      call(2, 'kafka.connections.set', { name: 'default', config: { brokers: ['attacker.example:9092'] } }),
      call(3, 'sys.stats'),
      call(4, 'modbus.status'),
      call(5, 'kafka.stats', { connection: 'default' }),
      call(6, 'modbus.configure', { device: { name: 'x', address: '127.0.0.1:502' } }),
      call(7, 'sys.echo', 'data plane'),
    ])) as Outcome;
    expect(codes(o)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ok']);
    expect(JSON.stringify(o.replies)).not.toContain(d.runDir); // nothing about the config leaks
    // The unix socket is the trust boundary: its directory keeps other users out.
    const unix = (await runAsNobody(IPC_CALLS_PROGRAM, [d.ipcPath, call(1, 'app.shutdown')])) as Outcome;
    expect(unix.error).toBe('EACCES');
    // And the daemon is still there.
    expect(await d.client().call('sys.ping')).toBe('pong');
  });

  it('Goridge over TCP: App.Shutdown and Sys.Stats are refused, Sys.Echo answers (as the daemon user too)', async () => {
    const g = new GoridgeClient({ address: `tcp://127.0.0.1:${goridgePort}` });
    const text = async (m: string, body = ''): Promise<string> => (await g.call(m, Buffer.from(body))).body.toString();
    expect(await text('App.Shutdown', '""')).toMatch(/^FORBIDDEN: /);
    expect(await text('Sys.Stats')).toMatch(/^FORBIDDEN: /);
    expect(await text('Kafka.Connections.Set', JSON.stringify({ name: 'default', config: { brokers: ['x:1'] } }))).toMatch(/^FORBIDDEN: /);
    expect(await text('Sys.Echo', '"hi"')).toBe('"hi"');
    g.close();
    expect(d.child.exitCode).toBeNull();
  });
});

describe('a token configured', () => {
  const TOKEN = 'security-test-token-0123456789abcdef';
  let d: DaemonProcess;
  let ipcPort: number;
  let goridgePort: number;

  beforeAll(async () => {
    [ipcPort, goridgePort] = [await freePort(), await freePort()];
    d = await startDaemonProcess({
      metrics: { http: { port: 0 } },
      security: { token: TOKEN },
      listeners: {
        ipc: { unix: { path: 'ipc.sock' }, tcp: { host: '127.0.0.1', port: ipcPort } },
        goridge: { tcp: { host: '127.0.0.1', port: goridgePort } },
      },
    });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('refuses everything but session.auth before the token, then grants data and configure, never admin', async () => {
    const o = (await (CAN_DROP_PRIVILEGES ? runAsNobody : runHere)(IPC_CALLS_PROGRAM, [
      String(ipcPort),
      call(1, 'sys.echo', 'before'),
      call(2, 'session.auth', { token: 'wrong-token-wrong-token' }),
      call(3, 'session.auth', { token: TOKEN }),
      call(4, 'sys.echo', 'after'),
      call(5, 'kafka.connections.set', { name: 'tok', config: { brokers: ['127.0.0.1:1'] } }),
      call(6, 'sys.stats'),
      call(7, 'app.shutdown'),
    ])) as Outcome;
    expect(codes(o)).toEqual(['FORBIDDEN', 'UNAUTHENTICATED', 'ok', 'ok', 'ok', 'FORBIDDEN', 'FORBIDDEN']);
  });

  it('the TS IpcClient and GoridgeClient present it on every new connection with the token option', async () => {
    const bare = new IpcClient({ host: '127.0.0.1', port: ipcPort, heartbeatMs: 0 });
    await expect(bare.call('sys.echo', 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    bare.close();
    const ipc = new IpcClient({ host: '127.0.0.1', port: ipcPort, heartbeatMs: 0, pool: 3, token: TOKEN });
    expect(await Promise.all([1, 2, 3, 4, 5, 6].map((n) => ipc.call('sys.echo', n)))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ipc.connects).toBe(3);
    ipc.close();
    const wrong = new IpcClient({ host: '127.0.0.1', port: ipcPort, heartbeatMs: 0, token: 'wrong-token-wrong-token' });
    await expect(wrong.call('sys.echo', 1)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    wrong.close();

    const g = new GoridgeClient({ address: `tcp://127.0.0.1:${goridgePort}`, token: TOKEN });
    expect((await g.call('Sys.Echo', Buffer.from('"go"'))).body.toString()).toBe('"go"');
    g.close();
    const gw = new GoridgeClient({ address: `tcp://127.0.0.1:${goridgePort}`, token: 'wrong-token-wrong-token' });
    await expect(gw.connected()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

/** The same program as the daemon's own user (when setpriv is not available). */
async function runHere(program: string, args: string[]): Promise<unknown> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', program, ...args], (err, stdout) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      } catch {
        reject(err ?? new Error(stdout));
      }
    }),
  );
}
