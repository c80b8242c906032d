import { decodeBody, encodeResult } from '../codec/body/body-codec.ts';
import { BodyFormat } from '../codec/body/formats.ts';
import { OutriggerError, type SerializedError } from '../errors/error.ts';
import type { Pending, ReplySink } from '../router/pending.ts';
import type { Router } from '../router/router.ts';

interface Waiter {
  resolve(value: unknown): void;
  reject(err: OutriggerError): void;
}

/**
 * Calls a router method from the main thread and awaits its decoded result,
 * through the same dispatch (deadline, backpressure, stats) as any client
 * call. Bodies cross as msgpack, which carries binary values unchanged.
 */
export class MethodCaller implements ReplySink {
  readonly open = true;

  constructor(readonly router: Router) {}

  has(method: string): boolean {
    return this.router.lookup(method) !== undefined;
  }

  call(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      const body = encodeResult(BodyFormat.MSGPACK, params);
      this.router.dispatch(this, waiter, method, BodyFormat.MSGPACK, body, { timeoutMs: Math.max(1, timeoutMs) });
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
