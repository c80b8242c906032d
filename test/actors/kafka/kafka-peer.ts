// Shared by the real-broker tests: fails (never skips) when the peer is down.
import net from 'node:net';

export const PEER = {
  plaintext: '127.0.0.1:19092',
  sasl: '127.0.0.1:19094',
  ssl: '127.0.0.1:19095',
} as const;

export async function requireKafkaPeer(): Promise<void> {
  const ok = await new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: 19092 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (!ok) {
    throw new Error('the Kafka test peer is not running on 127.0.0.1:19092 — start it with `test/peers/kafka.sh start`');
  }
}
