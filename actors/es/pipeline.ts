// One Canal → Kafka → cluster pipeline: decodes each record, runs the table's
// handler, versions and queues the resulting operations, and commits a Kafka
// offset only when every record before it is finished (written, refused as
// stale, skipped, or dead-lettered).
import type { Logger } from 'pino';
import type { DriverClient } from '../kafka/driver.ts';
import type { PipelineConfig } from './config.ts';
import { serializeError } from '../../runtime/errors/error.ts';
import { Backoff } from '../../runtime/resilience/backoff.ts';
import { sleep } from '../../runtime/resilience/retry.ts';
import { documentKey, documentOf, type VersionedOp } from './bulk-body.ts';
import { BulkWriter, type Outcome, type QueuedOp } from './bulk-writer.ts';
import { decodeCanal, type RawRow } from './canal.ts';
import { openBulkClient, type BulkClient } from './cluster.ts';
import { DeadLetterWriter, type DeadLetter } from './dead-letter.ts';
import type { RowChange } from './handler-api.ts';
import { runHandler, type RowSink } from './handler-runner.ts';
import { HandlerRegistry } from './handlers.ts';
import { openPipelineKafka } from './kafka-client.ts';
import { KafkaSource, type SourceRecord } from './kafka-source.ts';
import { rowChanges } from './row-changes.ts';
import { countersSnapshot, PipelineCounters, RateMeter, type PipelineState, type PipelineStatus } from './status.ts';
import { breakerForCluster } from './cluster-breaker.ts';
import { type EsMetrics, NO_ES_METRICS } from './metrics.ts';

/** A Kafka record on its way through the pipeline. */
interface InFlightRecord {
  readonly rec: SourceRecord;
  pending: number;
  sealed: boolean;
}

/**
 * A queued document operation. It keeps only what the offset bookkeeping and
 * a possible dead letter need — the serialized lines and the row's position
 * in its message, not the parsed message, its rows or the handler's objects —
 * so that operations waiting in the queue retain as little as possible: they
 * outlive several young-generation collections, and everything they hold is
 * promoted and later marked (measured: GC helper threads were a quarter of
 * the pipeline's CPU). A dead letter decodes Canal's raw row again from the
 * record's value, which the record keeps anyway until it is committed.
 */
interface PipelineOp extends QueuedOp {
  readonly record: InFlightRecord;
  readonly index: string;
  readonly id: string;
  readonly version: string;
  /** Index of the row in the message's `data`. */
  readonly row: number;
  readonly origin: RowOrigin;
}

/** Where the rows of one message came from; shared by all its operations. */
interface RowOrigin {
  readonly database: string;
  readonly table: string;
  readonly type: string;
  readonly es: number;
}

export interface StopReport {
  pipeline: string;
  drained: boolean;
  /** Operations left unwritten at the deadline (their records stay uncommitted and are redelivered). */
  abandoned: number;
  durationMs: number;
}

const MAX_SKIP_REASONS = 64;

export class Pipeline {
  readonly counters = new PipelineCounters();
  readonly #rate = new RateMeter();
  #state: PipelineState = 'starting';
  #lastError: { at: string; message: string } | null = null;
  #client!: BulkClient;
  #kafka!: DriverClient;
  #registry!: HandlerRegistry;
  #source!: KafkaSource;
  #letters!: DeadLetterWriter;
  #writer!: BulkWriter<PipelineOp>;
  #commitTimer: NodeJS.Timeout | null = null;
  #committing: Promise<void> | null = null;
  #starting: Promise<void> | null = null;
  readonly #startAbort = new AbortController();
  readonly #warnedTables = new Set<string>();

  constructor(
    readonly name: string,
    readonly cfg: PipelineConfig,
    readonly baseDir: string,
    readonly log: Logger,
    readonly metrics: EsMetrics = NO_ES_METRICS,
  ) {}

  /** Loads handlers and clients (config errors throw here), then connects to Kafka in the background. */
  async start(): Promise<void> {
    this.#registry = await HandlerRegistry.load(this.name, this.cfg.handlers, this.baseDir, this.log);
    this.#client = this.metrics.measure(await openBulkClient(this.cfg.cluster, this.baseDir, this.log), this.#clusterLabel());
    const kafka = (this.#kafka = await openPipelineKafka(this.name, this.cfg.kafka, this.baseDir, this.log));
    this.#letters = new DeadLetterWriter(kafka, this.cfg.deadLetterTopic, this.name, this.cfg.limits, this.cfg.kafka.request_timeout, this.log);
    this.#writer = new BulkWriter(
      this.#client,
      this.cfg.limits,
      this.#letters,
      {
        done: (op, outcome) => this.#done(op.record, op.action, outcome),
        letter: (op, reason) => this.#letter(op, reason),
        onError: (m) => this.#error(m),
        onBulk: () => this.counters.bulks++,
        onRetry: () => this.counters.retries++,
      },
      this.log,
      breakerForCluster(this.cfg.cluster),
    );
    this.#source = new KafkaSource(kafka, this.cfg, this.log, (m) => this.#error(m));
    this.#starting = this.#connect();
    this.#commitTimer = setInterval(() => void this.#commit(), this.cfg.commitIntervalMs);
  }

  async #connect(): Promise<void> {
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
    let deadLetterTopic = false;
    while (!this.#startAbort.signal.aborted) {
      try {
        if (!deadLetterTopic) {
          // Created with one partition when missing, so dead letters never wait for the broker to auto-create it.
          await this.#kafka.createTopics([{ topic: this.cfg.deadLetterTopic, partitions: 1 }]);
          deadLetterTopic = true;
        }
        await this.#source.start((r) => this.#accept(r));
        if (this.#state === 'starting') this.#state = 'running';
        this.log.info({ topics: this.cfg.topics, group: this.cfg.group }, 'pipeline consuming');
        return;
      } catch (err) {
        this.#error(`kafka: ${(err as Error).message}`);
        if (!(await backoff.wait(this.#startAbort.signal))) return;
      }
    }
  }

  #error(message: string): void {
    this.#lastError = { at: new Date().toISOString(), message };
  }

  #skip(reason: string, n = 1): void {
    this.counters.skip(this.counters.skipped.size < MAX_SKIP_REASONS || this.counters.skipped.has(reason) ? reason : 'other', n);
  }

  // ---- intake -------------------------------------------------------------

  #accept(rec: SourceRecord): void | Promise<void> {
    this.counters.messages++;
    const r: InFlightRecord = { rec, pending: 0, sealed: false };
    let msg;
    try {
      msg = decodeCanal(rec.value);
    } catch (err) {
      this.#skip('malformed');
      this.log.warn({ topic: rec.topic, partition: rec.partition, offset: rec.offset, err: (err as Error).message }, 'undecodable record sent to the dead-letter topic');
      this.#bury(r, { code: 'CANAL_MALFORMED', message: (err as Error).message }, { value: rec.value?.toString('utf8') ?? '' });
      return this.#seal(r);
    }
    // Every decodable record moves the partition's clock, whatever the handlers: a record's version
    // must not depend on the config, so a restart with other handlers re-reads with the same versions.
    const version = rec.clock.stamp(rec.offset, msg.es);
    if (msg.kind === 'ddl') {
      this.#skip('ddl');
      this.log.info({ database: msg.database, table: msg.table, type: msg.type, sql: msg.sql.slice(0, 200) }, 'DDL skipped');
      return this.#seal(r);
    }
    const found = this.#registry.find(msg.database, msg.table);
    if (!found) {
      this.#skip('no_handler', msg.data.length);
      const t = `${msg.database}.${msg.table}`;
      if (this.#warnedTables.size < 1000 && !this.#warnedTables.has(t)) {
        this.#warnedTables.add(t);
        this.log.warn({ table: t }, 'no handler for this table; its rows are skipped (counted as no_handler)');
      }
      return this.#seal(r);
    }
    const changes = rowChanges(msg);
    this.counters.rows += changes.length;
    const origin: RowOrigin = { database: msg.database, table: msg.table, type: msg.type, es: msg.es };
    const run = { msg, handler: found.handler, changes, version, versionField: this.cfg.versionField };
    const sink: RowSink = {
      op: (_change, ready, row) => {
        r.pending++;
        this.#writer.enqueue(this.#queued(r, ready.versioned, ready.lines, row, origin));
      },
      skip: (reason, rows) => this.#skip(reason, rows),
      failed: (change, err) => this.#handlerFailed(r, change, err),
    };
    const pending = runHandler(run, sink);
    return pending ? pending.then(() => this.#seal(r)) : this.#seal(r);
  }

  #queued(record: InFlightRecord, v: VersionedOp, lines: string, row: number, origin: RowOrigin): PipelineOp {
    const { op } = v;
    return { key: documentKey(op), bytes: Buffer.byteLength(lines), action: op.action, lines, tries: 0, record, index: op.index, id: op.id, version: v.version, row, origin };
  }

  #letter(p: PipelineOp, reason: DeadLetter['reason']): DeadLetter {
    return {
      key: `${p.index}/${p.id}`,
      reason,
      source: this.#sourceOf(p.record, p.origin),
      operation: { action: p.action, index: p.index, id: p.id, version: p.version },
      ...(p.action === 'delete' ? {} : { document: documentOf(p.action, p.lines) }),
      row: rawRow(p.record.rec.value, p.row),
    };
  }

  #sourceOf(r: InFlightRecord, origin?: RowOrigin): DeadLetter['source'] {
    const { topic, partition, offset } = r.rec;
    return origin ? { topic, partition, offset, database: origin.database, table: origin.table, type: origin.type, es: origin.es } : { topic, partition, offset };
  }

  #handlerFailed(r: InFlightRecord, change: RowChange, err: unknown): void {
    const e = serializeError(err);
    this.log.warn({ table: `${change.database}.${change.table}`, id: change.id, err: e.message }, 'handler failed; row sent to the dead-letter topic');
    this.#bury(r, { code: 'ES_HANDLER_FAILED', message: `${e.code === 'ES_HANDLER_FAILED' ? '' : `${e.code}: `}${e.message}` }, { row: change.raw }, change);
  }

  #bury(r: InFlightRecord, reason: DeadLetter['reason'], extra: Pick<DeadLetter, 'row' | 'value'>, change?: RowChange): void {
    r.pending++;
    const key = change?.id ? `${change.database}.${change.table}/${change.id}` : `${r.rec.topic}/${r.rec.partition}/${r.rec.offset}`;
    const origin = change ? { database: change.database, table: change.table, type: change.type, es: change.es } : undefined;
    this.#writer.deadLetter({ key, reason, source: this.#sourceOf(r, origin), ...extra }, () => this.#done(r, null, 'dead'));
  }

  #seal(r: InFlightRecord): void | Promise<void> {
    r.sealed = true;
    if (r.pending === 0) this.#finish(r);
    if (this.#writer.full) return this.#writer.waitForSpace(this.#source.stopSignal);
  }

  #done(r: InFlightRecord, action: 'index' | 'update' | 'delete' | null, outcome: Outcome): void {
    if (outcome === 'dead') this.counters.deadLettered++;
    else if (outcome === 'stale') this.counters.stale++;
    else if (action === 'index') this.counters.indexed++;
    else if (action === 'update') this.counters.updated++;
    else if (action === 'delete') this.counters.deleted++;
    if (action) this.#rate.add(1);
    if (--r.pending === 0 && r.sealed) this.#finish(r);
  }

  #finish(r: InFlightRecord): void {
    this.#source.finish(r.rec);
  }

  // ---- commits, status, stop ---------------------------------------------

  #commit(): Promise<void> {
    this.#committing ??= this.#source
      .commitDone()
      .then((n) => {
        if (n > 0) this.counters.commits++;
      })
      .catch((err: Error) => {
        this.#error(`offset commit: ${err.message}`);
        this.log.debug({ err: err.message }, 'offset commit failed; retried next interval');
      })
      .finally(() => {
        this.#committing = null;
      });
    return this.#committing;
  }

  #clusterLabel(): string {
    return `${this.cfg.cluster.type} ${this.cfg.cluster.nodes.join(',')}`;
  }

  status(): PipelineStatus {
    const lag = this.#source?.lag ?? [];
    const state = this.#state === 'running' && this.#writer?.retrying > 0 ? 'retrying' : this.#state;
    return {
      name: this.name,
      state,
      cluster: this.#clusterLabel(),
      topics: [...this.cfg.topics],
      group: this.cfg.group,
      assignment: { ...(this.#source?.assignment ?? {}) },
      lag: lag.reduce((n, p) => n + p.lag, 0),
      partitions: [...lag],
      docsPerSec: this.#rate.perSecond(),
      inFlight: this.#writer?.inFlight ?? { bulks: 0, ops: 0 },
      buffered: this.#writer?.buffered ?? 0,
      counters: countersSnapshot(this.counters),
      lastError: this.#lastError,
    };
  }

  /**
   * Stops intake, sends what is buffered, waits for in-flight bulks until the
   * stop deadline, then commits every record that finished. Unfinished
   * records are redelivered after a restart (harmless: versions guard them).
   */
  async stop(): Promise<StopReport> {
    const began = Date.now();
    this.#state = 'stopping';
    this.#startAbort.abort();
    if (this.#commitTimer) clearInterval(this.#commitTimer);
    this.#source.pauseIntake();
    // Keep a slice of the budget for the final commit and disconnects.
    const deadline = began + Math.max(100, this.cfg.stopTimeoutMs - Math.min(1500, this.cfg.stopTimeoutMs / 4));
    const drained = await this.#writer.drain(deadline);
    const abandoned = drained ? 0 : this.#writer.abort();
    await this.#committing;
    await this.#commit();
    // A connect still retrying is abandoned (close() disconnects it).
    await Promise.race([this.#starting, sleep(1000)]);
    await this.#source.close();
    await this.#kafka.close().catch(() => {});
    await this.#client.close().catch(() => {});
    await this.#registry.close(this.log);
    this.#state = 'stopped';
    const report = { pipeline: this.name, drained, abandoned, durationMs: Date.now() - began };
    this.log.info({ ...report, counters: countersSnapshot(this.counters) }, 'pipeline stopped');
    return report;
  }
}

/** Canal's raw row `row` of a record that decoded before (dead letters only). */
function rawRow(value: Buffer | null, row: number): RawRow | undefined {
  try {
    const msg = decodeCanal(value);
    return msg.kind === 'rows' ? msg.data[row] : undefined;
  } catch {
    return undefined;
  }
}
