#!/usr/bin/env node
// Smoke test for the real Kafka peer (start it first: test/peers/kafka.sh start).
// Over every listener: create a topic (waitForLeaders), produce one message with
// acks=all, consume it back through a consumer group, delete the topic.
// Then prove kcat (Debian) works against PLAINTEXT, SASL and SSL and can read
// a message kafkajs wrote. Prints OK/FAIL per check; exits 1 on any failure.
//
//   node test/peers/kafka-smoke.mjs
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import kafkajs from 'kafkajs';
import { kafkaPeer, listeners } from './kafka-peer.mjs';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = kafkajs;
const TIMEOUT_MS = 30_000;
const runId = Date.now().toString(36);

// kafkajs ERROR logs go to stderr only with KAFKA_SMOKE_DEBUG=1: failures are reported per
// listener anyway. "group coordinator is not available" is always dropped: kafkajs logs it
// while the broker creates __consumer_offsets on the first group join, then retries.
const debug = process.env.KAFKA_SMOKE_DEBUG === '1';
const logCreator = () => ({ level, log }) => {
  if (!debug || level > logLevel.ERROR) return;
  if (/group coordinator is not available/i.test(log.error ?? '')) return;
  console.error(JSON.stringify({ level: 'ERROR', ...log }));
};
// Fail within seconds when the broker is down instead of kafkajs' default ~2 min of retries.
const retry = { retries: 4, initialRetryTime: 200, maxRetryTime: 2000 };

const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const elapsed = (t0) => `${((performance.now() - t0) / 1000).toFixed(2)}s`;

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms}ms: ${what}`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

/** create topic -> produce -> consume via group -> (optional kcat read) -> delete topic */
async function roundTrip({ name, config }, { keepTopic = false } = {}) {
  const topic = `outrigger-smoke-${slug(name)}-${runId}`;
  const payload = `hello over ${name} ${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'outrigger-smoke', logLevel: logLevel.ERROR, logCreator, retry, connectionTimeout: 3000, ...config });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 100 });
  try {
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    if (!created) throw new Error(`createTopics returned false for ${topic}`);

    await producer.connect();
    const [meta] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'smoke', value: payload, headers: { listener: name } }],
    });
    if (meta.errorCode !== 0) throw new Error(`produce error code ${meta.errorCode}`);

    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got = await withTimeout(
      new Promise((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              if (message.value?.toString() === payload) {
                resolve({ key: message.key?.toString(), header: message.headers?.listener?.toString() });
              }
            },
          })
          .catch(reject);
      }),
      TIMEOUT_MS,
      `consume from ${topic}`,
    );
    if (got.key !== 'smoke' || got.header !== name) throw new Error(`bad key/header ${JSON.stringify(got)}`);
    return { topic, payload };
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    if (!keepTopic) await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

function kcat(args) {
  return execFileSync('kcat', args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

const { host, ports, users, tls } = kafkaPeer;
const kcatChecks = [
  {
    name: 'kcat -L PLAINTEXT',
    args: ['-b', `${host}:${ports.plaintext}`, '-L'],
  },
  {
    name: 'kcat -L SASL SCRAM-SHA-256',
    args: ['-b', `${host}:${ports.sasl}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256',
      '-X', `sasl.username=${users.scram256.username}`, '-X', `sasl.password=${users.scram256.password}`, '-L'],
  },
  {
    name: 'kcat -L SASL SCRAM-SHA-512',
    args: ['-b', `${host}:${ports.sasl}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512',
      '-X', `sasl.username=${users.scram512.username}`, '-X', `sasl.password=${users.scram512.password}`, '-L'],
  },
  {
    name: 'kcat -L SSL (client cert)',
    args: ['-b', `${host}:${ports.ssl}`, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${tls.caPem}`,
      '-X', `ssl.certificate.location=${tls.clientCertPem}`, '-X', `ssl.key.location=${tls.clientKeyPem}`, '-L'],
  },
];

let failed = 0;
const report = (ok, name, detail) => {
  if (!ok) failed++;
  console.log(`${ok ? 'OK  ' : 'FAIL'} ${name}${detail ? ` ${detail}` : ''}`);
};

const tAll = performance.now();
let plaintextMsg;
for (const l of listeners()) {
  const t0 = performance.now();
  try {
    const res = await roundTrip(l, { keepTopic: l.name === 'PLAINTEXT' });
    if (l.name === 'PLAINTEXT') plaintextMsg = res;
    report(true, l.name, `produce+consume (${elapsed(t0)})`);
  } catch (err) {
    report(false, l.name, `(${elapsed(t0)}): ${err instanceof Error ? err.stack : err}`);
  }
}

for (const c of kcatChecks) {
  try {
    const out = kcat(c.args);
    if (!/broker 1 at 127\.0\.0\.1:\d+/.test(out)) throw new Error(`unexpected output:\n${out}`);
    report(true, c.name, `(${out.match(/\d+ brokers?:/)?.[0] ?? ''} ${out.match(/\d+ topics?:/)?.[0] ?? ''})`);
  } catch (err) {
    report(false, c.name, String(err instanceof Error ? err.message : err));
  }
}

if (plaintextMsg) {
  // Cross-client: kcat reads back what kafkajs produced.
  try {
    const out = kcat(['-b', `${host}:${ports.plaintext}`, '-C', '-t', plaintextMsg.topic, '-o', 'beginning', '-c', '1', '-e',
      '-f', '%k=%s']);
    if (out !== `smoke=${plaintextMsg.payload}`) throw new Error(`got ${JSON.stringify(out)}`);
    report(true, 'kcat -C reads kafkajs message');
  } catch (err) {
    report(false, 'kcat -C reads kafkajs message', String(err instanceof Error ? err.message : err));
  } finally {
    const admin = new Kafka({ clientId: 'outrigger-smoke', logLevel: logLevel.NOTHING, brokers: [`${host}:${ports.plaintext}`] }).admin();
    await admin.connect().then(() => admin.deleteTopics({ topics: [plaintextMsg.topic] })).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

console.log(failed ? `kafka smoke: ${failed} FAILED (${elapsed(tAll)})` : `kafka smoke: all OK (${elapsed(tAll)})`);
process.exit(failed ? 1 : 0);
