// Load through a daemon for the cluster tests, and the checks every one of
// them makes: what the callers were told against what an independent reader
// (kcat) finds in the topic and what the daemon counted (kafka.stats and
// /metrics).
import { expect } from 'vitest';
import type { IpcClient } from '../../../clients/ts/ipc-client.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { sum } from '../../helpers/prom.ts';
import { CLUSTER_BROKERS } from './kafka-cluster.ts';
import { kcatRecords } from './kafka-peer.ts';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The deadline the daemon applies to each produce call; no call may take longer (plus the reply's way back). */
export const CALL_DEADLINE_MS = 12_000;

export interface Acked {
  value: string;
  partition: number;
  offset: number;
  /** ms since the load started */
  at: number;
}

export interface ProducerStats {
  accepted: number;
  delivered: number;
  failed: number;
  syncErrors: number;
  retried: number;
  resent: number;
  queued: number;
  inFlight: number;
  failedByCode: Record<string, number>;
}

/**
 * Producers through the daemon: `workers` loops of sync calls (each waits for
 * its answer), or one loop offering async records at `ratePerSec`. Values are
 * unique (`prefix-n`) and keyed by themselves, so records spread over every
 * partition.
 */
export class Load {
  readonly acked: Acked[] = [];
  /** Async records answered {accepted: true}. */
  readonly accepted: string[] = [];
  readonly errors = new Map<string, number>();
  /** The first error message seen for each code, for failure messages (KAFKA_ERROR says its Kafka type there). */
  readonly samples = new Map<string, string>();
  /** Longest call, in ms. */
  longestCallMs = 0;
  readonly t0 = Date.now();
  #next = 0;
  #stop = false;
  #loops: Promise<void>[] = [];

  constructor(
    readonly client: IpcClient,
    readonly topic: string,
    readonly prefix: string,
    readonly connection = 'main',
  ) {}

  sync(workers: number): this {
    for (let w = 0; w < workers; w++) this.#loops.push(this.#syncLoop());
    return this;
  }

  async(ratePerSec: number): this {
    this.#loops.push(this.#asyncLoop(ratePerSec));
    return this;
  }

  get failedCalls(): number {
    let n = 0;
    for (const v of this.errors.values()) n += v;
    return n;
  }

  /** Resolves once `n` more records were acknowledged (sync) or accepted (async) than now. */
  async more(n: number, timeoutMs = 90_000): Promise<void> {
    const target = this.acked.length + this.accepted.length + n;
    const until = Date.now() + timeoutMs;
    while (this.acked.length + this.accepted.length < target) {
      if (Date.now() > until) throw new Error(`load stalled: ${this.acked.length} acked, ${this.accepted.length} accepted, errors ${JSON.stringify([...this.errors])}`);
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#loops);
  }

  /** Longest time without an acknowledgement after `sinceMs` (ms since start): the stall a failure caused. */
  longestGapAfter(sinceMs: number): number {
    let gap = 0;
    let prev = sinceMs;
    for (const t of this.acked.map((a) => a.at).filter((t) => t >= sinceMs).sort((a, b) => a - b)) {
      gap = Math.max(gap, t - prev);
      prev = t;
    }
    return gap;
  }

  #call(value: string, sync: boolean): Promise<unknown> {
    return this.client.call('kafka.produce', { connection: this.connection, topic: this.topic, key: value, value, sync_mode: sync }, {
      serverTimeoutMs: CALL_DEADLINE_MS,
      timeoutMs: CALL_DEADLINE_MS + 5000,
    });
  }

  #failed(err: unknown): void {
    const code = (err as { code?: string }).code ?? `uncoded: ${(err as Error).message}`;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    if (!this.samples.has(code)) this.samples.set(code, `${(err as Error).message} ${JSON.stringify((err as { data?: unknown }).data ?? null)}`);
  }

  async #syncLoop(): Promise<void> {
    while (!this.#stop) {
      const value = `${this.prefix}-${this.#next++}`;
      const start = Date.now();
      try {
        const r = (await this.#call(value, true)) as { partition: number; offset: number };
        this.acked.push({ value, partition: r.partition, offset: r.offset, at: Date.now() - this.t0 });
      } catch (err) {
        this.#failed(err);
        await sleep(20);
      } finally {
        this.longestCallMs = Math.max(this.longestCallMs, Date.now() - start);
      }
    }
  }

  async #asyncLoop(ratePerSec: number): Promise<void> {
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((ratePerSec * tickMs) / 1000));
    while (!this.#stop) {
      const tick = Date.now();
      await Promise.all(
        Array.from({ length: perTick }, async () => {
          const value = `${this.prefix}-${this.#next++}`;
          const start = Date.now();
          try {
            await this.#call(value, false);
            this.accepted.push(value);
          } catch (err) {
            this.#failed(err);
          } finally {
            this.longestCallMs = Math.max(this.longestCallMs, Date.now() - start);
          }
        }),
      );
      await sleep(Math.max(0, tickMs - (Date.now() - tick)));
    }
  }
}

export async function producerStats(client: IpcClient, connection = 'main'): Promise<ProducerStats> {
  return ((await client.call('kafka.stats', { connection })) as { producer: ProducerStats }).producer;
}

/** Waits until the daemon has no async record queued or in flight. */
export async function settled(client: IpcClient, connection = 'main', timeoutMs = 60_000): Promise<ProducerStats> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await producerStats(client, connection);
    if ((s.queued === 0 && s.inFlight === 0) || Date.now() > until) return s;
    await sleep(100);
  }
}

/** What kcat reads from the cluster: each value's copies with their positions. */
export function readTopic(topic: string): Map<string, { partition: number; offset: number }[]> {
  const byValue = new Map<string, { partition: number; offset: number }[]>();
  for (const r of kcatRecords(topic, CLUSTER_BROKERS.join(','))) {
    let copies = byValue.get(r.value);
    if (!copies) byValue.set(r.value, (copies = []));
    copies.push({ partition: r.partition, offset: r.offset });
  }
  return byValue;
}

/** Copies beyond the first, over all values: records written more than once. */
export function duplicates(inTopic: Map<string, unknown[]>): number {
  let n = 0;
  for (const copies of inTopic.values()) n += copies.length - 1;
  return n;
}

/**
 * Every acknowledged record is in the topic at the partition and offset its
 * caller was told, and every value of `values` is in it somewhere. Returns
 * what kcat read.
 */
export function expectInTopic(topic: string, acked: readonly Acked[], values: readonly string[] = []): Map<string, { partition: number; offset: number }[]> {
  const inTopic = readTopic(topic);
  const missing = acked.filter((a) => !(inTopic.get(a.value) ?? []).some((c) => c.partition === a.partition && c.offset === a.offset));
  expect(missing.slice(0, 10)).toEqual([]);
  expect(values.filter((v) => !inTopic.has(v)).slice(0, 10)).toEqual([]);
  return inTopic;
}

/** The daemon's /metrics agrees with its kafka.stats: acknowledged and failed records. */
export async function expectMetricsMatch(d: DaemonProcess, s: ProducerStats, connection = 'main'): Promise<void> {
  // Workers publish their metrics every 2 s: both counts can lag kafka.stats by one publish, independently.
  await expect
    .poll(
      async () => {
        const text = await d.scrape();
        return {
          delivered: sum(text, 'outrigger_kafka_produced_messages_total', { connection }),
          failed: sum(text, 'outrigger_kafka_produce_failures_total', { connection }),
        };
      },
      { timeout: 10_000, interval: 250 },
    )
    .toEqual({ delivered: s.delivered, failed: s.failed + s.syncErrors });
}
