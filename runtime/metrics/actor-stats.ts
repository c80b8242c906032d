/*
 * Keeps actor counters monotonic for Prometheus. Workers report cumulative
 * numbers since *their own* start in every heartbeat; when a worker is
 * replaced (crash, hang, reload) its last report is folded into per-actor
 * "retired" totals, so handled/failed counts and run/wait histograms never
 * go backwards. At most one heartbeat interval of a dying worker is lost.
 */
import type { ActorRuntime } from '../actor/runtime.ts';
import type { WorkerStats } from '../actor/messages.ts';
import { BucketCounts } from '../stats/buckets.ts';

export interface ActorTotals {
  handled: number;
  failed: number;
  abandoned: number;
  lateResults: number;
  run: BucketCounts;
  wait: BucketCounts;
}

function emptyTotals(): ActorTotals {
  return { handled: 0, failed: 0, abandoned: 0, lateResults: 0, run: new BucketCounts(), wait: new BucketCounts() };
}

function addStats(t: ActorTotals, s: WorkerStats): void {
  t.handled += s.handled;
  t.failed += s.failed;
  t.abandoned += s.abandoned;
  t.lateResults += s.lateResults;
  t.run.add(s.run);
  t.wait.add(s.wait);
}

export class ActorStatsTracker {
  readonly #retired = new Map<string, ActorTotals>();
  /** Last report per `${actor}#${slot}`, with the host it came from. */
  readonly #last = new Map<string, { host: ActorRuntime; slot: number; stats: WorkerStats }>();
  readonly #attached = new WeakSet<ActorRuntime>();

  /** Follows the heartbeats of a host's workers ('beat' events: slot index, stats); inline hosts send none. */
  attach(host: ActorRuntime): void {
    if (this.#attached.has(host)) return;
    this.#attached.add(host);
    host.on('beat', (slot: number, stats: WorkerStats) => this.#onBeat(host, slot, stats));
  }

  #retire(actor: string, stats: WorkerStats): void {
    let t = this.#retired.get(actor);
    if (!t) {
      t = emptyTotals();
      this.#retired.set(actor, t);
    }
    addStats(t, stats);
  }

  #onBeat(host: ActorRuntime, slot: number, stats: WorkerStats): void {
    const key = `${host.name}#${slot}`;
    const prev = this.#last.get(key);
    if (prev && prev.stats.bootId !== stats.bootId) this.#retire(host.name, prev.stats);
    this.#last.set(key, { host, slot, stats });
  }

  /** Totals per actor over live and retired workers; `live` are the hosts now serving. */
  totals(live: Iterable<ActorRuntime>): Map<string, ActorTotals> {
    const liveHosts = new Set<ActorRuntime>(live);
    for (const [key, entry] of this.#last) {
      // A host replaced by reload, or a slot beyond the new worker count.
      if (!liveHosts.has(entry.host) || entry.slot >= entry.host.snapshot().workers.length) {
        this.#retire(entry.host.name, entry.stats);
        this.#last.delete(key);
      }
    }
    const out = new Map<string, ActorTotals>();
    for (const [actor, r] of this.#retired) {
      const t = emptyTotals();
      t.handled = r.handled;
      t.failed = r.failed;
      t.abandoned = r.abandoned;
      t.lateResults = r.lateResults;
      t.run.add(r.run.snapshot());
      t.wait.add(r.wait.snapshot());
      out.set(actor, t);
    }
    for (const h of liveHosts) if (!out.has(h.name)) out.set(h.name, emptyTotals());
    for (const { host, stats } of this.#last.values()) addStats(out.get(host.name)!, stats);
    // Inline actors run on the main thread: their counts are in the snapshot (no run/wait timing).
    for (const h of liveHosts) {
      const inline = h.snapshot().inline;
      if (inline) {
        out.get(h.name)!.handled += inline.handled;
        out.get(h.name)!.failed += inline.failed;
      }
    }
    return out;
  }
}
