// A load that calls `fn` at a fixed rate, never with more than `maxInflight`
// calls outstanding: a soak measures whether the daemon stays level under a
// steady load, so a slow answer must not turn into an ever-growing backlog in
// the load generator itself (the calls it could not start count as skipped).

export interface LoadCounters {
  ok: number;
  errors: number;
  skipped: number;
  /** The first few distinct error messages, for the summary. */
  firstErrors: string[];
}

export interface Load {
  readonly name: string;
  readonly counters: LoadCounters;
  stop(): Promise<void>;
}

export function newCounters(): LoadCounters {
  return { ok: 0, errors: 0, skipped: 0, firstErrors: [] };
}

export function noteError(c: LoadCounters, err: unknown): void {
  c.errors++;
  const msg = err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}`.trim() : String(err);
  if (c.firstErrors.length < 5 && !c.firstErrors.includes(msg)) c.firstErrors.push(msg.slice(0, 300));
}

const TICK_MS = 50;

/** Calls `fn` `perSecond` times a second (spread over 50 ms ticks) until stopped. */
export function paced(name: string, perSecond: number, maxInflight: number, fn: () => Promise<unknown>): Load {
  const counters = newCounters();
  let inflight = 0;
  let owed = 0;
  let idle: (() => void) | null = null;
  let last = performance.now();
  const timer = setInterval(() => {
    // By the time that passed, not the ticks: on a busy box timers fire late.
    const now = performance.now();
    owed += (perSecond * (now - last)) / 1000;
    last = now;
    for (; owed >= 1; owed--) {
      if (inflight >= maxInflight) {
        counters.skipped++;
        continue;
      }
      inflight++;
      fn().then(
        () => counters.ok++,
        (err: unknown) => noteError(counters, err),
      ).finally(() => {
        if (--inflight === 0) idle?.();
      });
    }
  }, TICK_MS);
  return {
    name,
    counters,
    async stop() {
      clearInterval(timer);
      if (inflight > 0) await new Promise<void>((resolve) => (idle = resolve));
    },
  };
}

/** Runs `step` again and again (a consumer's receive/ack loop) until stopped. */
export function looped(name: string, step: (counters: LoadCounters) => Promise<void>): Load {
  const counters = newCounters();
  let running = true;
  const done = (async () => {
    while (running) {
      try {
        await step(counters);
      } catch (err) {
        noteError(counters, err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  return {
    name,
    counters,
    async stop() {
      running = false;
      await done;
    },
  };
}
