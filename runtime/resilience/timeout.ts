/*
 * Per-call timeouts for actor-side backend calls. The router already owns
 * per-method request deadlines (requests.methodTimeoutsMs); inside a handler
 * this bounds one backend call by the earlier of its own timeout and the
 * request's deadline, and aborts the work when the request is cancelled.
 */
import { OutriggerError } from '../errors/error.ts';

export interface TimeoutOptions {
  /** This call's own budget. */
  timeoutMs?: number;
  /** The request's absolute deadline (call.deadline). */
  deadline?: number;
  /** The request's signal (call.signal): aborted when the request times out or is cancelled. */
  signal?: AbortSignal;
  /** Named in the TIMEOUT message, e.g. 'es bulk'. */
  what?: string;
}

/**
 * Runs fn with a signal that aborts at the time limit or when the outer
 * signal aborts; rejects TIMEOUT at the limit even if fn ignores its signal.
 */
export async function withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>, o: TimeoutOptions): Promise<T> {
  const now = Date.now();
  const limits = [o.timeoutMs !== undefined ? now + o.timeoutMs : Infinity, o.deadline ?? Infinity];
  const until = Math.min(...limits);
  const controller = new AbortController();
  const what = o.what ?? 'call';
  if (o.signal?.aborted) throw new OutriggerError('TIMEOUT', `${what} cancelled: the request was abandoned`);
  if (until <= now) throw new OutriggerError('TIMEOUT', `${what} not started: no time left before the deadline`);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    if (until !== Infinity) {
      timer = setTimeout(() => {
        const err = new OutriggerError('TIMEOUT', `${what} timed out after ${until - now} ms`);
        controller.abort(err);
        reject(err);
      }, until - now);
    }
    onAbort = () => {
      const err = new OutriggerError('TIMEOUT', `${what} cancelled: the request was abandoned`);
      controller.abort(err);
      reject(err);
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([fn(controller.signal), limit]);
  } finally {
    clearTimeout(timer);
    if (onAbort) o.signal?.removeEventListener('abort', onAbort);
  }
}
