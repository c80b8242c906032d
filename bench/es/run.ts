// ES pipeline throughput: documents per second from Kafka to OpenSearch
// through the daemon, against a direct bulk load of the same documents with
// the same client, in one run; prints both and the ratio.
//
//   test/peers/kafka.sh start && test/peers/opensearch.sh start
//   node bin/run-ts.mjs bench/es/run.ts [--docs 100000] [--rows-per-message 10] [--rounds 2] [--warmup 1]
//   ES_BENCH_THREADS=1 also prints the pipeline phase's CPU per document by thread of this process
//
// Both sides: index with 1 shard / 0 replicas / default refresh, bulks of
// `bulkActions` documents, `maxWorkerCount` bulks in flight, the
// @opensearch-project/opensearch client sending NDJSON text with the same
// filter_path, documents serialized inside the timed loop. The pipeline side additionally
// consumes Canal JSON from Kafka, decodes and types the rows, runs the
// default handler, versions each document (external_gte) and commits offsets.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@opensearch-project/opensearch';
import { BULK_FILTER_PATH } from '../../actors/es/cluster.ts';
import type { PipelineStatus } from '../../actors/es/status.ts';
import { startTestDaemon } from '../../test/helpers/daemon.ts';
import { cpuSpent, pidFromFile, sampleCpu } from './cpu.ts';
import { threadCpuMs } from '../lib/proc-cpu.ts';
import { canal, closeProducer, createTopic, KAFKA_BROKER, produce, requirePeers } from '../../test/actors/es/peers.ts';
import { OPENSEARCH } from '../../test/actors/es/search-peers.ts';

const OPENSEARCH_URL = OPENSEARCH.url;

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '100000' },
    'rows-per-message': { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    'bulk-actions': { type: 'string', default: '1000' },
    workers: { type: 'string', default: '4' },
  },
});
const DOCS = Number(args.docs);
const ROWS = Number(args['rows-per-message']);
const ROUNDS = Number(args.rounds);
// Uncounted rounds first: a freshly started OpenSearch runs its first bulks several times slower (JIT).
const WARMUP = Number(args.warmup);
const BULK = Number(args['bulk-actions']);
const WORKERS = Number(args.workers);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Peer pids for CPU accounting: the repo's peers, or ES_BENCH_OS_PID / ES_BENCH_KAFKA_PID.
const PEERS = {
  opensearch: Number(process.env.ES_BENCH_OS_PID) || pidFromFile(`${ROOT}.peers/opensearch/opensearch.pid`),
  kafka: Number(process.env.ES_BENCH_KAFKA_PID) || pidFromFile(`${ROOT}.peers/kafka/run/broker.pid`),
};
type Cpu = Record<string, number | null>;

const SQL_TYPES = { id: -5, user_id: 4, sku: 12, title: 12, status: -6, price: 3, qty: 4, weight: 8, created_at: 93, updated_at: 93, note: 12 };

function row(id: number): Record<string, string | null> {
  return {
    id: String(id),
    user_id: String(id % 9973),
    sku: `SKU-${(id * 2654435761) % 1_000_000}`,
    title: `Product ${id} with a reasonably long descriptive title`,
    status: String(id % 4),
    price: `${(id % 10000) / 100}`,
    qty: String(id % 50),
    weight: String((id % 1000) / 7),
    created_at: '2024-03-01 12:00:00',
    updated_at: '2024-03-02 08:30:15',
    note: id % 3 === 0 ? null : 'gift wrap, leave at the door',
  };
}

/** The typed document the default handler produces for row(id): the direct load sends exactly this. */
function documentOf(id: number): Record<string, unknown> {
  const r = row(id);
  return {
    id,
    user_id: id % 9973,
    sku: r.sku,
    title: r.title,
    status: id % 4,
    price: r.price,
    qty: id % 50,
    weight: Number(r.weight),
    created_at: '2024-03-01T12:00:00',
    updated_at: '2024-03-02T08:30:15',
    note: r.note,
  };
}

async function directLoad(index: string): Promise<{ rate: number; cpu: Cpu }> {
  const client = new Client({ node: OPENSEARCH_URL, maxRetries: 0, requestTimeout: 60_000 });
  let next = 1;
  const cpu0 = sampleCpu(PEERS);
  const began = process.hrtime.bigint();
  // The same request shape the pipeline sends (NDJSON text, filter_path), built in the timed loop.
  const worker = async (): Promise<void> => {
    while (next <= DOCS) {
      const from = next;
      next = Math.min(DOCS + 1, next + BULK);
      let body = '';
      for (let id = from; id < next; id++) body += `{"index":{"_index":${JSON.stringify(index)},"_id":"${id}"}}\n${JSON.stringify(documentOf(id))}\n`;
      const res = await client.transport.request({ method: 'POST', path: '/_bulk', querystring: { filter_path: BULK_FILTER_PATH }, bulkBody: body });
      const out = res.body as { errors?: boolean; items?: unknown[] };
      if (out.errors) throw new Error(`direct bulk had errors: ${JSON.stringify(out.items).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  const sec = Number(process.hrtime.bigint() - began) / 1e9;
  const cpu = cpuSpent(cpu0, sampleCpu(PEERS));
  await client.close();
  return { rate: DOCS / sec, cpu };
}

async function pipelineLoad(round: number, index: string): Promise<{ rate: number; joinMs: number; cpu: Cpu }> {
  const topic = `bench.es.${Date.now().toString(36)}.${round}`;
  await createTopic(topic, 1);
  const messages: string[] = [];
  const es = 1_709_294_400_000;
  for (let from = 1; from <= DOCS; from += ROWS) {
    const rows = [];
    for (let id = from; id < Math.min(DOCS + 1, from + ROWS); id++) rows.push(row(id));
    messages.push(canal({ database: 'bench', table: 'products', type: 'INSERT', es: es + from, sqlType: SQL_TYPES, mysqlType: { status: 'tinyint(4)', id: 'bigint(20)', price: 'decimal(10,2)' }, rows }));
  }
  await produce(topic, messages);
  let cpu0 = sampleCpu(PEERS);
  const started = Date.now();
  const d = await startTestDaemon(
    {
      logLevel: 'warn',
      pipelines: {
        bench: {
          kafka: { brokers: [KAFKA_BROKER] },
          topics: [topic],
          group: `bench-${topic}`,
          cluster: { type: 'opensearch', nodes: [OPENSEARCH_URL], requestTimeoutMs: 60_000 },
          handlers: { 'bench.products': { index } },
          deadLetterTopic: `${topic}.dlq`,
          limits: { bulkActions: BULK, maxWorkerCount: WORKERS, flushIntervalMs: 50 },
        },
      },
    },
  );
  const client = d.client();
  const status = async (): Promise<PipelineStatus> => ((await client.call('es.status', {})) as { pipelines: PipelineStatus[] }).pipelines[0]!;
  let t0 = 0n;
  let threads0 = new Map<number, number>();
  let base = 0;
  let joinMs = 0;
  for (;;) {
    const s = await status();
    const done = s.counters.indexed + s.counters.stale + s.counters.deadLettered;
    // Start the clock when the first record reaches the pipeline (the direct load starts at its first request).
    if (t0 === 0n && s.counters.messages > 0) {
      // Daemon start-up (worker threads loading and compiling their modules) is not per-document work.
      cpu0 = sampleCpu(PEERS);
      threads0 = threadCpuMs();
      t0 = process.hrtime.bigint();
      base = done;
      joinMs = Date.now() - started;
    }
    if (done >= DOCS) {
      if (s.counters.deadLettered > 0 || s.counters.stale > 0) throw new Error(`unexpected: ${JSON.stringify(s.counters)}`);
      break;
    }
    // Each poll is an IPC round trip through the daemon; 50 ms keeps that cost out of the figures (±0.5 % on the end time).
    await new Promise((r) => setTimeout(r, 50));
  }
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSpent(cpu0, sampleCpu(PEERS));
  if (process.env.ES_BENCH_THREADS) {
    const per = [...threadCpuMs()].map(([tid, ms]) => [tid, ms - (threads0.get(tid) ?? 0)] as const).filter(([, ms]) => ms > 0);
    console.log(`  pipeline CPU µs/doc by thread (tid: main ${process.pid}): ${per.map(([tid, ms]) => `${tid} ${((ms * 1000) / (DOCS - base)).toFixed(2)}`).join(', ')}`);
  }
  await d.stop();
  return { rate: (DOCS - base) / sec, joinMs, cpu };
}

await requirePeers([OPENSEARCH]);
console.log(`ES pipeline bench: ${DOCS} docs, ${ROWS} rows per Canal message, bulk ${BULK}, ${WORKERS} bulks in flight, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
const results: { direct: number; pipeline: number; joinMs: number; directCpu: Cpu; pipelineCpu: Cpu }[] = [];
const count = (index: string): Promise<number> => OPENSEARCH.count(index);
for (let round = 1 - WARMUP; round <= ROUNDS; round++) {
  const a = `bench_direct_${round + WARMUP}`;
  const b = `bench_pipeline_${round + WARMUP}`;
  await OPENSEARCH.recreateIndex(a);
  await OPENSEARCH.recreateIndex(b);
  // Alternate which side goes first, and drop each index once counted, so neither side
  // inherits the other's background segment merges.
  let direct = 0;
  let pipeline = 0;
  let joinMs = 0;
  let directCpu: Cpu = {};
  let pipelineCpu: Cpu = {};
  const runDirect = async (): Promise<void> => {
    ({ rate: direct, cpu: directCpu } = await directLoad(a));
    if ((await count(a)) !== DOCS) throw new Error(`direct: ${await count(a)} of ${DOCS} documents`);
    await OPENSEARCH.request('DELETE', `/${a}`);
  };
  const runPipeline = async (): Promise<void> => {
    ({ rate: pipeline, joinMs, cpu: pipelineCpu } = await pipelineLoad(round + WARMUP, b));
    if ((await count(b)) !== DOCS) throw new Error(`pipeline: ${await count(b)} of ${DOCS} documents`);
    await OPENSEARCH.request('DELETE', `/${b}`);
  };
  if ((round + WARMUP) % 2 === 1) {
    await runDirect();
    await runPipeline();
  } else {
    await runPipeline();
    await runDirect();
  }
  if (round >= 1) results.push({ direct, pipeline, joinMs, directCpu, pipelineCpu });
  const perDoc = (c: Cpu): string =>
    Object.entries(c)
      .map(([k, ms]) => `${k} ${ms === null ? '?' : ((ms * 1000) / DOCS).toFixed(1)}`)
      .join(', ');
  console.log(
    `${round >= 1 ? `round ${round}` : 'warm-up, not counted'} (${(round + WARMUP) % 2 === 1 ? 'direct first' : 'pipeline first'}): direct bulk ${Math.round(direct)} docs/s | ` +
      `Kafka→daemon→OpenSearch ${Math.round(pipeline)} docs/s | ratio ${(pipeline / direct).toFixed(2)} (start + group join ${joinMs} ms, not counted)`,
  );
  console.log(`  CPU µs per document: direct [${perDoc(directCpu)}] | pipeline [${perDoc(pipelineCpu)}] (bench = this process incl. the daemon's worker threads)`);
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sum = (k: 'direct' | 'pipeline'): number => results.reduce((n, r) => n + r[k], 0);
console.log(
  `all rounds: direct mean ${Math.round(sum('direct') / ROUNDS)} docs/s, pipeline mean ${Math.round(sum('pipeline') / ROUNDS)} docs/s; ` +
    `ratio of means ${(sum('pipeline') / sum('direct')).toFixed(2)}, median per-round ratio ${median(results.map((r) => r.pipeline / r.direct)).toFixed(2)} ` +
    `(goal >= 0.80; Canal adapter anchor 3-4k rows/s with 10 threads)`,
);
// Noise-free view: CPU per document. With the cluster the bottleneck on a dedicated box, throughput
// scales with the CPU left to it, so the CPU-bound ratio is total direct CPU / total pipeline CPU.
const cpuTotal = (k: 'directCpu' | 'pipelineCpu'): number | null => {
  let sum = 0;
  for (const r of results) for (const v of Object.values(r[k])) {
    if (v === null) return null;
    sum += v;
  }
  return sum;
};
const dc = cpuTotal('directCpu');
const pc = cpuTotal('pipelineCpu');
if (dc !== null && pc !== null) {
  console.log(`CPU per document, all processes: direct ${((dc * 1000) / (DOCS * ROUNDS)).toFixed(1)} µs, pipeline ${((pc * 1000) / (DOCS * ROUNDS)).toFixed(1)} µs → CPU-bound ratio ${(dc / pc).toFixed(2)}`);
}
await closeProducer();
