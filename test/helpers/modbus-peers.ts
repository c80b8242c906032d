// Real Modbus peers for tests: started and stopped through test/peers/modbus.sh
// (pymodbus 3.0 and a libmodbus 3.1 C server). A missing package makes the
// script, and so the test, fail with the reason; nothing is skipped.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = `${ROOT}test/peers/modbus.sh`;
const PY_WRITER = fileURLToPath(new URL('./pymodbus_write.py', import.meta.url));

export type PeerKind = 'pymodbus' | 'libmodbus' | 'libmodbus-rtu';

// Asynchronous on purpose: the test daemon runs in this process, and a
// blocking child would freeze its main thread (and the DATA it delivers).
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(failure(cmd, args, { stderr, stdout, message: err.message }));
      else resolve(stdout);
    });
  });
}

function failure(cmd: string, args: string[], e: { stderr?: string; stdout?: string; message: string }): Error {
  {
    const why = e.stderr || e.stdout || e.message;
    const hint = /ENOENT|not found|missing|No module|not importable/i.test(why)
      ? '\nModbus peers need test/peers/install-debian.sh (python3-pymodbus, mbpoll, libmodbus-dev, gcc).'
      : '';
    return new Error(`${cmd} ${args.join(' ')} failed: ${why}${hint}`);
  }
}

export { freePort } from './free-port.ts';

export async function startPeer(kind: PeerKind, port: number): Promise<void> {
  if (kind === 'pymodbus') await run(SCRIPT, ['start-pymodbus', String(port)]);
  else if (kind === 'libmodbus') await run(SCRIPT, ['start-libmodbus', String(port)]);
  else await run(SCRIPT, ['start-libmodbus', String(port), '--rtu-over-tcp']);
}

export async function stopPeer(port: number): Promise<void> {
  await run(SCRIPT, ['stop', String(port)]);
}

export async function kill9Peer(port: number): Promise<void> {
  await run(SCRIPT, ['kill9', String(port)]);
}

/** Runs mbpoll against 127.0.0.1:port (zero-based references, one poll); `values` are written. */
export function mbpoll(port: number, args: string[], values: (string | number)[] = []): Promise<string> {
  const write = values.length > 0 ? ['--', ...values.map(String)] : [];
  return run('mbpoll', ['-m', 'tcp', '-a', '1', '-p', String(port), '-0', '-1', ...args, '127.0.0.1', ...write]);
}

/** Values mbpoll printed, in order (`[ref]: value` lines). */
export function mbpollValues(out: string): string[] {
  return [...out.matchAll(/^\[\d+\]:\s+(\S+)/gm)].map((m) => m[1]!);
}

export interface PyWrite {
  address: number;
  type: 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64' | 'string';
  value: number | string;
  byteorder: 'big' | 'little';
  wordorder: 'big' | 'little';
  /** registers, for strings */
  quantity?: number;
}

/** Writes values with pymodbus' own BinaryPayloadBuilder (an independent byte/word order implementation). */
export async function pymodbusWrite(port: number, writes: PyWrite[], coils: { address: number; values: boolean[] }[] = []): Promise<void> {
  await run('/usr/bin/python3', [PY_WRITER, String(port), JSON.stringify({ writes, coils })]);
}
