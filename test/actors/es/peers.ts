// Real peers for the ES pipeline tests: the Kafka broker of test/peers/kafka.sh
// and the search clusters of search-peers.ts. A test that needs them fails
// with the start command when they are not running; it never skips.
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { fileURLToPath } from 'node:url';
import { lockKafkaPeer } from '../kafka/kafka-peer.ts';
import { acquireDirLock } from '../../helpers/dir-lock.ts';
import { waitFor as waitUntil } from '../../helpers/wait.ts';
import { CLUSTERS, type SearchPeer } from './search-peers.ts';

// The broker's fixed address; ES_TEST_KAFKA points the tests and the bench elsewhere.
export const KAFKA_BROKER = process.env.ES_TEST_KAFKA ?? '127.0.0.1:19092';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const kafka = new Kafka({ brokers: [KAFKA_BROKER], clientId: 'es-pipeline-test', logLevel: logLevel.NOTHING, retry: { retries: 3 } });

export async function requirePeers(clusters: readonly SearchPeer[] = CLUSTERS): Promise<void> {
  const problems: string[] = [];
  for (const c of clusters) {
    const p = await c.problem();
    if (p) problems.push(p);
  }
  const admin = kafka.admin();
  try {
    await Promise.race([admin.connect().then(() => admin.describeCluster()), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 8000))]);
  } catch (err) {
    problems.push(`Kafka not reachable at ${KAFKA_BROKER} (${(err as Error).message}); start it: test/peers/kafka.sh start`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  if (problems.length > 0) throw new Error(`ES pipeline tests need real peers:\n  ${problems.join('\n  ')}`);
}

const LOCK = `${ROOT}.peers/es-pipeline-tests.lock`;

/**
 * Serializes the test files that share the search peers: one of them kills
 * and restarts them, which must not happen under another file's feet (vitest
 * runs files in parallel). Returns the release function.
 */
export function lockSearchPeers(timeoutMs = 600_000): Promise<() => void> {
  return acquireDirLock(LOCK, timeoutMs, 'the search peers');
}

/**
 * Takes both peers for a test file: the search-peer lock above, then the Kafka
 * peer lock the Kafka actor's tests hold while they kill and restart the broker
 * (always in this order, so no two files wait on each other in a cycle).
 */
export async function lockPeers(): Promise<() => void> {
  const unlockOs = await lockSearchPeers(900_000);
  try {
    const unlockKafka = await lockKafkaPeer(900_000);
    return () => {
      unlockKafka();
      unlockOs();
    };
  } catch (err) {
    unlockOs();
    throw err;
  }
}

export async function createTopic(topic: string, partitions = 1): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) await admin.deleteTopics({ topics: [topic] });
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

let producer: Producer | null = null;

export type Outgoing = string | Buffer | { key: string; value: string | Buffer };

/** Sends in order; a keyed message goes to its key's partition (as Canal's partitionHash does by primary key). */
export async function produce(topic: string, values: Outgoing[]): Promise<void> {
  if (!producer) {
    producer = kafka.producer();
    await producer.connect();
  }
  // Stay under the broker's 1 MiB request limit.
  let batch: { key?: string; value: string | Buffer }[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length > 0) await producer!.send({ topic, acks: -1, messages: batch });
    batch = [];
    bytes = 0;
  };
  for (const v of values) {
    const m = typeof v === 'string' || Buffer.isBuffer(v) ? { value: v } : v;
    if (bytes + m.value.length > 512 * 1024) await flush();
    batch.push(m);
    bytes += m.value.length + 64;
  }
  await flush();
}

export async function closeProducer(): Promise<void> {
  await producer?.disconnect();
  producer = null;
}

/** Reads a whole topic from the beginning (e.g. the dead-letter topic). */
export async function readTopic(topic: string, expect: number, timeoutMs = 20_000): Promise<{ value: string; headers: Record<string, string> }[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}` });
  const out: { value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      out.push({ value: message.value?.toString('utf8') ?? '', headers });
    },
  });
  const until = Date.now() + timeoutMs;
  while (out.length < expect && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out;
}

/** A peer's state, polled every `everyMs` (a peer that fails a check meanwhile, e.g. restarting, is asked again). */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  return waitUntil(what, fn, timeoutMs, { everyMs, retryErrors: true });
}

/** A Canal flat message as Canal 1.1.x writes it (all values strings). */
export function canal(m: {
  database: string;
  table: string;
  type: 'INSERT' | 'UPDATE' | 'DELETE';
  rows: Record<string, string | null>[];
  old?: Record<string, string | null>[];
  es: number;
  sqlType: Record<string, number>;
  mysqlType?: Record<string, string>;
  pkNames?: string[];
  id?: number;
}): string {
  return JSON.stringify({
    data: m.rows,
    database: m.database,
    es: m.es,
    id: m.id ?? 1,
    isDdl: false,
    mysqlType: m.mysqlType ?? Object.fromEntries(Object.keys(m.sqlType).map((k) => [k, m.sqlType[k] === 12 ? 'varchar(255)' : 'int(11)'])),
    old: m.old ?? null,
    pkNames: m.pkNames ?? ['id'],
    sql: '',
    sqlType: m.sqlType,
    table: m.table,
    ts: m.es + 300,
    type: m.type,
  });
}
