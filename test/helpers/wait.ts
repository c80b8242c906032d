// Polling until a condition holds, for tests that watch a daemon, a peer or a
// socket from outside. One loop for every such wait, so timeouts and
// messages read the same everywhere.

export interface WaitOptions {
  /** How often the check runs (ms). */
  everyMs?: number;
  /** A check that throws is tried again; the last error is in the timeout's message. Otherwise it fails the wait. */
  retryErrors?: boolean;
}

/** Runs `check` until it returns something other than undefined or false, and returns that; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, opts: WaitOptions = {}): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (!opts.retryErrors) throw err;
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 10));
  }
}
