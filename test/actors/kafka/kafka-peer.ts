// Shared by the real-broker tests: the peer's addresses, a check that fails
// (never skips) when the peer is down, and a lock so the files that kill
// and restart the broker never run while another file is using it.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { acquireDirLock } from '../../helpers/dir-lock.ts';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const KAFKA_SH = `${REPO}test/peers/kafka.sh`;
export const TLS_DIR = `${REPO}.peers/kafka/run/tls`;

export const PEER = {
  plaintext: '127.0.0.1:19092',
  sasl: '127.0.0.1:19094',
  ssl: '127.0.0.1:19095',
} as const;

function reachable(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function requireKafkaPeer(): Promise<void> {
  if (!(await reachable(19092))) {
    throw new Error('the Kafka test peer is not running on 127.0.0.1:19092 — start it with `test/peers/kafka.sh start`');
  }
}

const LOCK = `${REPO}.peers/kafka/test.lock`;

/**
 * Holds the broker for this test file (vitest runs files in parallel).
 * A lock left by a dead process is taken over.
 */
export function lockKafkaPeer(timeoutMs = 300_000): Promise<() => void> {
  return acquireDirLock(LOCK, timeoutMs, 'the Kafka peer');
}

export function kafkaSh(command: 'start' | 'kill9' | 'status'): string {
  return execFileSync(KAFKA_SH, [command], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/** Every value in a topic, read by an independent client (kcat from Debian), not by kafkajs. */
export function kcatValues(topic: string): string[] {
  const out = execFileSync('kcat', ['-b', PEER.plaintext, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\\n'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return out.split('\n').filter((l) => l !== '');
}
