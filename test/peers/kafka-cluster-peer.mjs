// Connection facts for the three-broker Kafka cluster started by test/peers/kafka-cluster.sh, the
// cluster's state as its metadata shows it, and the readiness probe the script runs.
//
//   import { clusterPeer, clusterState } from './kafka-cluster-peer.mjs'   (tests)
//   node test/peers/kafka-cluster-peer.mjs wait-ready --brokers 1,2,3 --timeout 120   (kafka-cluster.sh start)
//   node test/peers/kafka-cluster-peer.mjs check --brokers 1,2,3                      (kafka-cluster.sh status)
//
// "Ready" for a set of brokers: each is registered (unfenced, so in the metadata), and every partition's
// ISR holds all of its replicas that are in the set. That is what a rolling restart waits for before it
// takes the next broker down: with min.insync.replicas=2, stopping a broker while another one is still
// catching up would leave partitions below min.insync.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const portBase = Number(process.env.KAFKA_CLUSTER_PORT_BASE || 19190);
if (!Number.isInteger(portBase) || portBase <= 0 || portBase >= 65531) {
  throw new Error(`bad KAFKA_CLUSTER_PORT_BASE: ${process.env.KAFKA_CLUSTER_PORT_BASE}`);
}

const host = '127.0.0.1';
export const clusterPeer = Object.freeze({
  host,
  controller: Object.freeze({ id: 100, port: portBase }),
  /** Broker n (1-3) listens on PLAINTEXT portBase + n. */
  brokers: Object.freeze([1, 2, 3].map((id) => Object.freeze({ id, port: portBase + id, address: `${host}:${portBase + id}` }))),
  replicationFactor: 3,
  minInsyncReplicas: 2,
});

export const brokerAddress = (id) => `${host}:${portBase + id}`;

function admin(ids, timeoutMs) {
  const kafka = new Kafka({
    clientId: 'outrigger-cluster-probe',
    brokers: ids.map(brokerAddress),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  return kafka.admin({ retry: { retries: 0 } });
}

/**
 * The cluster as its metadata shows it, asked of the brokers in `ids` (default all): the registered
 * brokers and every partition of every topic (internal ones included) with its leader, replicas and ISR.
 */
export async function clusterState({ ids = [1, 2, 3], timeoutMs = 3000 } = {}) {
  const a = admin(ids, timeoutMs);
  try {
    await a.connect();
    const cluster = await a.describeCluster();
    const topics = await a.listTopics();
    const { topics: meta } = topics.length === 0 ? { topics: [] } : await a.fetchTopicMetadata({ topics });
    const partitions = meta.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr })),
    );
    return { brokers: cluster.brokers.map((b) => b.nodeId).sort(), controller: cluster.controller, partitions };
  } finally {
    await a.disconnect().catch(() => {});
  }
}

/** What keeps the set of brokers from being ready, or [] when it is. */
export async function notReady(ids) {
  const state = await clusterState({ ids });
  const why = [];
  const missing = ids.filter((id) => !state.brokers.includes(id));
  if (missing.length > 0) why.push(`broker(s) ${missing.join(',')} not registered (metadata lists ${state.brokers.join(',') || 'none'})`);
  for (const p of state.partitions) {
    const out = p.replicas.filter((r) => ids.includes(r) && !p.isr.includes(r));
    if (out.length > 0) why.push(`${p.topic}/${p.partition}: replica(s) ${out.join(',')} not in ISR [${p.isr.join(',')}]`);
  }
  return why;
}

async function waitReady(ids, timeoutS) {
  const deadline = Date.now() + timeoutS * 1000;
  let last = ['no answer yet'];
  while (Date.now() < deadline) {
    try {
      last = await notReady(ids);
      if (last.length === 0) return 0;
    } catch (err) {
      last = [err instanceof Error ? err.message : String(err)];
    }
    await sleep(250);
  }
  console.error(`kafka-cluster-peer: brokers ${ids.join(',')} not ready after ${timeoutS}s:`);
  for (const line of last.slice(0, 20)) console.error(`  ${line}`);
  return 2;
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  const opt = (name, dflt) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : dflt;
  };
  const ids = String(opt('brokers', '1,2,3'))
    .split(',')
    .filter(Boolean)
    .map(Number);
  if (ids.length === 0 || ids.some((id) => ![1, 2, 3].includes(id))) {
    console.error(`kafka-cluster-peer: --brokers takes ids among 1,2,3`);
    return 64;
  }
  if (cmd === 'wait-ready') return waitReady(ids, Number(opt('timeout', 120)));
  if (cmd === 'check') {
    const why = await notReady(ids).catch((err) => [String(err?.message ?? err)]);
    for (const line of why) console.log(`  ${line}`);
    return why.length === 0 ? 0 : 2;
  }
  console.error('usage: kafka-cluster-peer.mjs wait-ready|check [--brokers 1,2,3] [--timeout S]');
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
