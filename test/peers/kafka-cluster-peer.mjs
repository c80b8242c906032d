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
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

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

/**
 * The cluster as its metadata shows it, asked of the first broker in `ids` (default all) that answers:
 * the registered brokers and every partition of every topic (internal ones included) with its leader,
 * replicas and ISR. Read with kcat (librdkafka): kafkajs' metadata call fails as a whole when any
 * partition of any topic has no leader, which is exactly the state these tests create.
 */
export async function clusterState({ ids = [1, 2, 3], timeoutMs = 3000 } = {}) {
  let last;
  for (const id of ids) {
    try {
      const { stdout } = await run('kcat', ['-b', brokerAddress(id), '-L', '-J', '-m', String(Math.max(1, Math.ceil(timeoutMs / 1000)))], {
        timeout: timeoutMs + 2000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const meta = JSON.parse(stdout);
      const partitions = meta.topics.flatMap((t) =>
        (t.partitions ?? []).map((p) => ({
          topic: t.topic,
          partition: p.partition,
          leader: p.leader,
          replicas: p.replicas.map((r) => r.id),
          isr: p.isrs.map((r) => r.id),
        })),
      );
      return { brokers: meta.brokers.map((b) => b.id).sort(), partitions };
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`no broker among ${ids.join(',')} answered: ${last instanceof Error ? last.message : String(last)}`);
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
