// Connection facts for the real Kafka test peer started by test/peers/kafka.sh,
// plus a readiness probe the script runs after launching the broker.
//
//   import { kafkaPeer, listeners } from './kafka-peer.mjs'   (tests, smoke)
//   node test/peers/kafka-peer.mjs wait-ready --pid N --timeout 90   (kafka.sh start)
//   node test/peers/kafka-peer.mjs check                              (kafka.sh status)
//
// "Ready" means every client-facing listener answers a real, authenticated
// client call (Metadata via admin.describeCluster) that lists broker 1.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

// Same environment overrides as kafka.sh (defaults: <repo>/.peers and 19092..19095).
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const peersDir = process.env.OUTRIGGER_PEERS_DIR || `${repoRoot}.peers`;
const runDir = `${peersDir}/kafka/run`;
const tlsDir = `${runDir}/tls`;
const portBase = Number(process.env.KAFKA_PEER_PORT_BASE || 19092);
if (!Number.isInteger(portBase) || portBase <= 0 || portBase >= 65533) {
  throw new Error(`bad KAFKA_PEER_PORT_BASE: ${process.env.KAFKA_PEER_PORT_BASE}`);
}

export const kafkaPeer = Object.freeze({
  host: '127.0.0.1',
  ports: Object.freeze({ plaintext: portBase, controller: portBase + 1, sasl: portBase + 2, ssl: portBase + 3 }),
  users: Object.freeze({
    scram256: Object.freeze({ mechanism: 'scram-sha-256', username: 'outrigger-256', password: 'secret-256' }),
    scram512: Object.freeze({ mechanism: 'scram-sha-512', username: 'outrigger-512', password: 'secret-512' }),
    plain: Object.freeze({ mechanism: 'plain', username: 'outrigger-plain', password: 'secret-plain' }),
  }),
  runDir,
  tls: Object.freeze({
    dir: tlsDir,
    caPem: `${tlsDir}/ca.pem`,
    clientCertPem: `${tlsDir}/client.pem`,
    clientKeyPem: `${tlsDir}/client-key.pem`,
  }),
});

const addr = (port) => `${kafkaPeer.host}:${port}`;

/**
 * One entry per way of talking to the broker. `config` is the part of a
 * kafkajs `new Kafka({...})` config that selects the listener/auth.
 * TLS files are read lazily (they only exist once the peer has started).
 */
export function listeners() {
  const { ports, users, tls } = kafkaPeer;
  const sasl = (u) => ({
    brokers: [addr(ports.sasl)],
    sasl: { mechanism: u.mechanism, username: u.username, password: u.password },
  });
  return [
    { name: 'PLAINTEXT', config: { brokers: [addr(ports.plaintext)] } },
    { name: 'SASL_PLAINTEXT/SCRAM-SHA-256', config: sasl(users.scram256) },
    { name: 'SASL_PLAINTEXT/SCRAM-SHA-512', config: sasl(users.scram512) },
    { name: 'SASL_PLAINTEXT/PLAIN', config: sasl(users.plain) },
    { name: 'SSL', config: { brokers: [addr(ports.ssl)], ssl: { ca: [readFileSync(tls.caPem, 'utf8')] } } },
    {
      name: 'SSL+client-cert',
      config: {
        brokers: [addr(ports.ssl)],
        ssl: {
          ca: [readFileSync(tls.caPem, 'utf8')],
          cert: readFileSync(tls.clientCertPem, 'utf8'),
          key: readFileSync(tls.clientKeyPem, 'utf8'),
        },
      },
    },
  ];
}

/** One real client call against one listener; throws on any failure. */
export async function probe(config, { timeoutMs = 3000 } = {}) {
  const kafka = new Kafka({
    clientId: 'outrigger-peer-probe',
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    authenticationTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    ...config,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers.some((b) => b.nodeId === 1)) {
      throw new Error(`broker 1 not in metadata yet (${JSON.stringify(cluster.brokers)})`);
    }
    return cluster;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Probe every listener once; returns [{name, ok, error}]. */
export async function checkAll() {
  const all = listeners();
  return Promise.all(
    all.map(async ({ name, config }) => {
      try {
        await probe(config);
        return { name, ok: true };
      } catch (err) {
        return { name, ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitReady({ pid, timeoutS }) {
  const deadline = Date.now() + timeoutS * 1000;
  let last = [];
  while (Date.now() < deadline) {
    if (pid && !isAlive(pid)) {
      console.error(`kafka-peer: broker process ${pid} exited before becoming ready`);
      return 3;
    }
    last = await checkAll();
    if (last.every((r) => r.ok)) return 0;
    await sleep(250);
  }
  console.error(`kafka-peer: not ready after ${timeoutS}s:`);
  for (const r of last) console.error(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : `: ${r.error}`}`);
  return 2;
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  const opt = (name, dflt) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : dflt;
  };
  if (cmd === 'wait-ready') {
    return waitReady({ pid: Number(opt('pid', 0)), timeoutS: Number(opt('timeout', 90)) });
  }
  if (cmd === 'check') {
    const res = await checkAll();
    for (const r of res) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : `: ${r.error}`}`);
    return res.every((r) => r.ok) ? 0 : 2;
  }
  console.error('usage: kafka-peer.mjs wait-ready [--pid N] [--timeout S] | check');
  return 64;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
