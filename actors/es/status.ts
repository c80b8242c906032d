// Per-pipeline counters and the status snapshot `es.status`, `sys.stats` and
// `outrigger status` show.
import type { PartitionLag } from './kafka-source.ts';

export type PipelineState = 'starting' | 'running' | 'retrying' | 'stopping' | 'stopped' | 'failed';

/** Events per second over a sliding window of whole seconds. */
export class RateMeter {
  readonly #buckets: number[];
  #second = 0;

  constructor(
    readonly windowSec = 10,
    readonly now: () => number = Date.now,
  ) {
    this.#buckets = new Array<number>(windowSec).fill(0);
    this.#second = Math.floor(now() / 1000);
  }

  #roll(): void {
    const s = Math.floor(this.now() / 1000);
    const steps = Math.min(this.windowSec, s - this.#second);
    for (let i = 1; i <= steps; i++) this.#buckets[(this.#second + i) % this.windowSec] = 0;
    if (s > this.#second) this.#second = s;
  }

  add(n: number): void {
    this.#roll();
    this.#buckets[this.#second % this.windowSec]! += n;
  }

  /** Average over the completed seconds of the window (the current second is partial). */
  perSecond(): number {
    this.#roll();
    let sum = 0;
    for (let i = 1; i < this.windowSec; i++) sum += this.#buckets[(this.#second - i + this.windowSec * 2) % this.windowSec]!;
    return Math.round(sum / (this.windowSec - 1));
  }
}

export class PipelineCounters {
  messages = 0;
  rows = 0;
  indexed = 0;
  updated = 0;
  deleted = 0;
  /** Operations refused by the version guard: the document already held newer data. */
  stale = 0;
  deadLettered = 0;
  bulks = 0;
  retries = 0;
  commits = 0;
  readonly skipped = new Map<string, number>();

  skip(reason: string, n = 1): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + n);
  }
}

export interface PipelineStatus {
  name: string;
  state: PipelineState;
  cluster: string;
  topics: string[];
  group: string;
  /** Partitions this daemon owns in the consumer group, by topic. */
  assignment: Record<string, number[]>;
  /** Records not yet committed, summed over partitions (refreshed every 5 s). */
  lag: number;
  partitions: PartitionLag[];
  /** Document operations acknowledged per second (10 s window). */
  docsPerSec: number;
  inFlight: { bulks: number; ops: number };
  /** Operations waiting for a bulk. */
  buffered: number;
  counters: {
    messages: number;
    rows: number;
    indexed: number;
    updated: number;
    deleted: number;
    stale: number;
    deadLettered: number;
    bulks: number;
    retries: number;
    commits: number;
    skipped: Record<string, number>;
  };
  lastError: { at: string; message: string } | null;
}

export function countersSnapshot(c: PipelineCounters): PipelineStatus['counters'] {
  return {
    messages: c.messages,
    rows: c.rows,
    indexed: c.indexed,
    updated: c.updated,
    deleted: c.deleted,
    stale: c.stale,
    deadLettered: c.deadLettered,
    bulks: c.bulks,
    retries: c.retries,
    commits: c.commits,
    skipped: Object.fromEntries(c.skipped),
  };
}

/** Rows for the status table (header first), shared by `outrigger status` and docs. */
export function statusTable(list: readonly PipelineStatus[]): string[][] {
  return [
    ['PIPELINE', 'STATE', 'LAG', 'DOCS/S', 'IN-FLIGHT', 'BUFFERED', 'INDEXED', 'UPDATED', 'DELETED', 'STALE', 'DLQ', 'SKIPPED', 'LAST ERROR'],
    ...list.map((p) => [
      p.name,
      p.state,
      String(p.lag),
      String(p.docsPerSec),
      `${p.inFlight.bulks}/${p.inFlight.ops}`,
      String(p.buffered),
      String(p.counters.indexed),
      String(p.counters.updated),
      String(p.counters.deleted),
      String(p.counters.stale),
      String(p.counters.deadLettered),
      String(Object.values(p.counters.skipped).reduce((a, b) => a + b, 0)),
      p.lastError ? `${p.lastError.at.slice(11, 19)} ${p.lastError.message.slice(0, 60)}` : '-',
    ]),
  ];
}
