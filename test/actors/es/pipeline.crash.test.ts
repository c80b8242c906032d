// Failure tests with real peers: each search cluster killed with SIGKILL
// mid-bulk and restarted; the daemon killed with SIGKILL mid-stream, two
// daemons in one group, and a graceful stop. In every case the index must end
// up exactly as if each binlog event had been applied once, in order: nothing
// missing, nothing stale. The last three are about the daemon and Kafka, not
// the cluster, so each runs on one cluster (taking turns) to keep CI short.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../../../actors/es/status.ts';
import type { PipelineConfigInput } from '../../../actors/es/config.ts';
import { startTestDaemon } from '../../helpers/daemon.ts';
import { canal, closeProducer, createTopic, kafka, KAFKA_BROKER, produce, readTopic, type Outgoing, lockPeers, requirePeers, waitFor } from './peers.ts';
import { ES, expectExactlyOnceInEffect, IDS, workload } from './workload.ts';
import { CLUSTERS, ELASTICSEARCH, OPENSEARCH, type SearchPeer } from './search-peers.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** ES_TEST_LOG=info shows the daemon's logs while debugging. */
const LOG_LEVEL = (process.env.ES_TEST_LOG ?? 'silent') as 'silent';

function pipeline(cluster: SearchPeer, topic: string, index: string, group: string): PipelineConfigInput {
  return {
    kafka: { brokers: [KAFKA_BROKER] },
    // A killed member leaves the group after the session timeout; keep it short (the broker's minimum is 6 s).
    consumer: { sessionTimeoutMs: 6000 },
    topics: [topic],
    group,
    cluster: { type: cluster.type, nodes: [cluster.url], requestTimeoutMs: 5000 },
    handlers: { 'load.items': { index } },
    deadLetterTopic: `${topic}.dlq`,
    limits: { bulkActions: 100, flushIntervalMs: 20, maxWorkerCount: 3, retryBackoffMs: { initial: 100, max: 1000 } },
    commitIntervalMs: 200,
  };
}

async function groupLag(group: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const high = await admin.fetchTopicOffsets(topic);
    return high.reduce((n, h) => n + Number(h.high) - Math.max(0, Number(committed!.partitions.find((p) => p.partition === h.partition)?.offset ?? 0)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Produces the workload in 12 slices, running `steps[i]` after slice i. A step may produce the next slice early
 * (`more`, false when none is left): the loop goes on after it.
 */
async function produceSlowly(topic: string, messages: Outgoing[], steps: Record<number, (more: () => Promise<boolean>) => Promise<void>>): Promise<void> {
  const slices = 12;
  const per = Math.ceil(messages.length / slices);
  let next = 0;
  const more = async (): Promise<boolean> => {
    if (next >= slices) return false;
    const i = next++;
    await produce(topic, messages.slice(i * per, (i + 1) * per));
    return true;
  };
  while (next < slices) {
    const i = next;
    await more();
    await steps[i]?.(more);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(CLUSTERS)('ES pipeline under failure (real Kafka, real $name)', (cluster) => {
  const sfx = `${cluster.type}${Date.now().toString(36)}`;
  const documents = (index: string): Promise<Map<string, Record<string, unknown>>> => cluster.documents(index);
  let unlock = (): void => {};
  beforeAll(async () => {
    unlock = await lockPeers();
    await requirePeers([cluster]);
  }, 1_800_000);
  afterAll(async () => {
    await closeProducer();
    await cluster.dropIndices(sfx);
    unlock();
  });

  it(`${cluster.name} killed with SIGKILL mid-bulk and restarted: nothing lost, nothing stale, dead letters only for permanent errors`, async () => {
    const topic = `canal.load.crash.${sfx}`;
    const index = `load_crash_${sfx}`;
    // Rows the cluster refuses for good (not an integer): the only dead letters allowed.
    const rejects = `load_rejects_${sfx}`;
    const REJECTED = 5;
    const reject = (id: number): string =>
      canal({ database: 'load', table: 'rejects', type: 'INSERT', es: ES + id * 1000, sqlType: { id: 4, n: 12 }, rows: [{ id: String(id), n: `not a number ${id}` }] });
    await createTopic(topic, 3);
    await createTopic(`${topic}.dlq`, 1);
    await cluster.recreateIndex(index);
    await cluster.recreateIndex(rejects, { properties: { n: { type: 'integer' } } });
    const cfg = pipeline(cluster, topic, index, `g-crash-${sfx}`);
    cfg.handlers = { ...cfg.handlers, 'load.rejects': { index: rejects } };
    const d = await startTestDaemon({ logLevel: LOG_LEVEL, pipelines: { load: cfg } });
    const status = async (): Promise<PipelineStatus> => ((await d.client().call('es.status', { pipeline: 'load' })) as { pipelines: PipelineStatus[] }).pipelines[0]!;
    try {
      let retriesSeen = false;
      let bulksAtKill = 0;
      const messages = workload();
      // One refused row every few slices, before, during and after the outage.
      for (let i = 0; i < REJECTED; i++) messages.splice(Math.floor(((i + 0.5) * messages.length) / REJECTED), 0, reject(i + 1));
      await produceSlowly(topic, messages, {
        3: async (more) => {
          await waitFor('first documents', async () => (await status()).counters.indexed > 0);
          // Kill while bulks are on the wire: their responses never come. A bulk is on the wire for a few ms
          // only, so look often; a pipeline already through what was produced gets the next slice early.
          let idleSince = Date.now();
          const s = await waitFor(
            'a bulk in flight',
            async () => {
              const x = await status();
              if (x.inFlight.bulks > 0) return x;
              if (Date.now() - idleSince > 500) {
                await more();
                idleSince = Date.now();
              }
              return undefined;
            },
            30_000,
            5,
          );
          bulksAtKill = s.inFlight.bulks;
          await cluster.control('kill9');
        },
        // Slices 4-7 (5-7 if step 3 produced 4) are produced while the cluster is down; the pipeline must retry, not drop.
        7: async () => {
          await waitFor('pipeline retrying', async () => {
            const s = await status();
            return s.counters.retries > 0 && s.lastError !== null ? s : undefined;
          }, 30_000);
          retriesSeen = true;
          await cluster.control('start');
        },
      });
      expect(bulksAtKill).toBeGreaterThan(0);
      expect(retriesSeen).toBe(true);
      await expectExactlyOnceInEffect(cluster, index);
      const s = await waitFor('rejected rows dead-lettered', async () => {
        const x = await status();
        return x.counters.deadLettered >= REJECTED && x.buffered === 0 && x.inFlight.bulks === 0 ? x : undefined;
      }, 30_000);
      expect(s.counters.deadLettered).toBe(REJECTED);
      // counters.stale may be above 0: a bulk retried after the kill can hold an older operation of a document
      // whose newer operation (later in the same bulk) the cluster had applied before it died. The 409 it gets
      // is the version guard at work; the documents above are all at their final image.
      expect(s.lastError?.message).toMatch(/bulk request/);
      const letters = (await readTopic(`${topic}.dlq`, REJECTED)).map((l) => JSON.parse(l.value) as { key: string; reason: { code: string; type: string } });
      expect(letters.map((l) => l.reason)).toEqual(Array.from({ length: REJECTED }, () => expect.objectContaining({ code: 'ES_DOC_REJECTED', type: 'mapper_parsing_exception' })));
      expect(letters.map((l) => l.key).sort()).toEqual(Array.from({ length: REJECTED }, (_, i) => `${rejects}/${i + 1}`).sort());
      expect((await documents(rejects)).size).toBe(0);
    } finally {
      await cluster.control('start'); // idempotent; leaves the peer up for the next test even after a failure
      await d.stop();
    }
  }, 600_000); // a JVM restart plus recovery takes 15-30 s on a quiet 2-core box, minutes on a loaded one

  it.runIf(cluster === ELASTICSEARCH)('daemon killed with SIGKILL mid-stream: after restart nothing is missing and nothing is stale', async () => {
    const topic = `canal.load.kill.${sfx}`;
    const index = `load_kill_${sfx}`;
    const group = `g-kill-${sfx}`;
    await createTopic(topic, 2);
    await cluster.recreateIndex(index);
    const dir = mkdtempSync(join(tmpdir(), 'outrigger-es-kill-'));
    const configFile = join(dir, 'sidecar.config.mjs');
    writeFileSync(
      configFile,
      `export default ${JSON.stringify({
        runDir: join(dir, 'run'),
        logLevel: 'warn',
        listeners: { ipc: { unix: { path: 'ipc.sock' } }, goridge: { enabled: false }, isp: { enabled: false } },
        // Any free port: other daemons (other tests, other checkouts) may hold the default 9464.
        metrics: { http: { port: 0 } },
        pipelines: { load: pipeline(cluster, topic, index, group) },
      })};\n`,
    );
    const startDaemon = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/outrigger.mjs'), 'start', '--foreground', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (b: Buffer) => {
          if (b.toString().includes('OUTRIGGER READY')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`daemon exited early (${code})`)));
      });
      return child;
    };
    const messages = workload();
    let daemon = await startDaemon();
    try {
      await produceSlowly(topic, messages, {
        3: async () => {
          await waitFor('some documents written', async () => (await documents(index)).size > 50);
          daemon.kill('SIGKILL');
          await new Promise((r) => daemon.once('exit', r));
        },
      });
      // Part of the stream was written but not committed when the daemon died.
      expect((await documents(index)).size).toBeLessThan(IDS);
      daemon = await startDaemon();
      await expectExactlyOnceInEffect(cluster, index);
      await waitFor('offsets committed', async () => (await groupLag(group, topic)) === 0, 20_000);
      // The CLI shows the pipeline next to the daemon's own status, and stops it through the control socket.
      const cli = (...args: string[]): Promise<string> =>
        promisify(execFile)(process.execPath, [join(ROOT, 'bin/outrigger.mjs'), ...args, '--config', configFile]).then((r) => r.stdout);
      const text = await waitFor('status with pipelines', async () => {
        const out = await cli('status');
        return /ES pipelines/.test(out) && /\bload\s+running\s+0\b/.test(out) ? out : undefined;
      }, 15_000);
      expect(text).toMatch(/PIPELINE\s+STATE\s+LAG\s+DOCS\/S/);
      expect(await cli('stop')).toMatch(/outrigger stopped/);
      expect(daemon.exitCode ?? (await new Promise((r) => daemon.once('exit', r)))).toBe(0);
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => (daemon.exitCode === null ? daemon.once('exit', r) : r(null)));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it.runIf(cluster === OPENSEARCH)('two daemons in one consumer group split the partitions and together land everything once', async () => {
    const topic = `canal.load.group.${sfx}`;
    const index = `load_group_${sfx}`;
    const group = `g-group-${sfx}`;
    await createTopic(topic, 4);
    await cluster.recreateIndex(index);
    const a = await startTestDaemon({ logLevel: LOG_LEVEL, pipelines: { load: pipeline(cluster, topic, index, group) } });
    const b = await startTestDaemon({ logLevel: LOG_LEVEL, pipelines: { load: pipeline(cluster, topic, index, group) } });
    const statusOf = async (d: typeof a): Promise<PipelineStatus> => ((await d.client().call('es.status', {})) as { pipelines: PipelineStatus[] }).pipelines[0]!;
    const messagesOf = async (d: typeof a): Promise<number> => (await statusOf(d)).counters.messages;
    try {
      // Produce once the group has settled with both members (2 of the 4 partitions each).
      await waitFor('both members assigned', async () => {
        const [x, y] = [await statusOf(a), await statusOf(b)];
        const n = (s: PipelineStatus): number => s.assignment[topic]?.length ?? 0;
        return n(x) > 0 && n(y) > 0 && n(x) + n(y) === 4;
      }, 60_000);
      await produceSlowly(topic, workload(), {});
      await expectExactlyOnceInEffect(cluster, index);
      // Both members consumed part of the stream (4 partitions over 2 members).
      const [ma, mb] = [await messagesOf(a), await messagesOf(b)];
      expect(ma).toBeGreaterThan(0);
      expect(mb).toBeGreaterThan(0);
      await waitFor('offsets committed', async () => (await groupLag(group, topic)) === 0, 20_000);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 120_000);

  it.runIf(cluster === ELASTICSEARCH)('graceful stop drains in-flight bulks within the deadline and commits what finished', async () => {
    const topic = `canal.load.stop.${sfx}`;
    const index = `load_stop_${sfx}`;
    const group = `g-stop-${sfx}`;
    await createTopic(topic, 1);
    await cluster.recreateIndex(index);
    await produce(topic, workload());
    const d = await startTestDaemon({ pipelines: { load: { ...pipeline(cluster, topic, index, group), stopTimeoutMs: 10_000 } } });
    await waitFor('consuming', async () => (await documents(index)).size > 0, 30_000);
    const began = Date.now();
    await d.stop();
    expect(Date.now() - began).toBeLessThan(12_000);
    const total = (await groupLag(`never-${sfx}`, topic)) as number;
    expect(await groupLag(group, topic)).toBeLessThan(total); // what finished before the stop was committed
    // Whatever was committed is in the index; the rest is redelivered by the next run.
    const d2 = await startTestDaemon({ pipelines: { load: pipeline(cluster, topic, index, group) } });
    try {
      await expectExactlyOnceInEffect(cluster, index);
      await waitFor('offsets committed', async () => (await groupLag(group, topic)) === 0, 20_000);
    } finally {
      await d2.stop();
    }
    expect(await groupLag(group, topic)).toBe(0);
  }, 120_000);
});
