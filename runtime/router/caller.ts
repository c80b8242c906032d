import { decodeBody, encodeResult } from '../codec/body/body-codec.ts';
import { BodyFormat } from '../codec/body/formats.ts';
import { OutriggerError, type SerializedError } from '../errors/error.ts';
import type { Pending, ReplySink } from './pending.ts';
import { ALL_GRANTS } from './policy.ts';
import type { Router } from './router.ts';

interface Waiter {
  resolve(value: unknown): void;
  reject(err: OutriggerError): void;
}

/**
 * Calls a routed method from the main thread (a feature asking an actor)
 * and awaits its decoded result, through the same dispatch as a client call:
 * routing, pinning, deadline, backpressure, stats and error codes. The daemon
 * calling itself holds every grant. Bodies cross as msgpack, which carries
 * binary values unchanged. Rejects with an OutriggerError.
 */
export class MethodCaller implements ReplySink {
  readonly open = true;
  readonly grants = ALL_GRANTS;

  constructor(readonly router: Router) {}

  has(method: string): boolean {
    return this.router.lookup(method) !== undefined;
  }

  call<T = unknown>(method: string, params: unknown, timeoutMs?: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = { resolve: resolve as (v: unknown) => void, reject };
      const body = encodeResult(BodyFormat.MSGPACK, params);
      this.router.dispatch(this, waiter, method, BodyFormat.MSGPACK, body, { timeoutMs: timeoutMs === undefined ? undefined : Math.max(1, timeoutMs) });
    });
  }

  resolve(p: Pending, result: Uint8Array): void {
    const w = p.token as Waiter;
    try {
      w.resolve(decodeBody(BodyFormat.MSGPACK, result));
    } catch (err) {
      w.reject(err as OutriggerError);
    }
  }

  reject(p: Pending, error: SerializedError): void {
    (p.token as Waiter).reject(new OutriggerError(error.code, error.message, error.data));
  }
}
