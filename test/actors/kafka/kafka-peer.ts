// Shared by the real-broker tests: the peer's addresses, a check that fails
// (never skips) when the peer is down, and a lock so the files that kill
// and restart the broker never run while another file is using it.
// KAFKA_PEER_PORT_BASE and OUTRIGGER_PEERS_DIR point them at another broker
// instance, as they do test/peers/kafka.sh (e.g. to kill -9 a broker of one's own).
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { acquireDirLock } from '../../helpers/dir-lock.ts';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const KAFKA_SH = `${REPO}test/peers/kafka.sh`;
const PEERS_DIR = process.env.OUTRIGGER_PEERS_DIR ?? `${REPO}.peers`;
export const TLS_DIR = `${PEERS_DIR}/kafka/run/tls`;
const PORT_BASE = Number(process.env.KAFKA_PEER_PORT_BASE ?? 19092);

export const PEER = {
  plaintext: `127.0.0.1:${PORT_BASE}`,
  sasl: `127.0.0.1:${PORT_BASE + 2}`,
  ssl: `127.0.0.1:${PORT_BASE + 3}`,
} as const;

export function reachable(port: number): Promise<boolean> {
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
  if (!(await reachable(PORT_BASE))) {
    throw new Error(`the Kafka test peer is not running on ${PEER.plaintext} — start it with \`test/peers/kafka.sh start\``);
  }
}

const LOCK = `${PEERS_DIR}/kafka/test.lock`;

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

/**
 * Every record of a topic as `partition offset value` lines' parts, read by an
 * independent client (kcat from Debian, librdkafka), not by kafkajs.
 */
export function kcatRecords(topic: string, brokers: string = PEER.plaintext): { partition: number; offset: number; value: string }[] {
  const out = execFileSync('kcat', ['-b', brokers, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n'], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [p, o, ...v] = l.split(' ');
      return { partition: Number(p), offset: Number(o), value: v.join(' ') };
    });
}

/** Every value in a topic, read by kcat. */
export function kcatValues(topic: string, brokers: string = PEER.plaintext): string[] {
  return kcatRecords(topic, brokers).map((r) => r.value);
}
