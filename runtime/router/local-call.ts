import { decodeBody } from '../codec/body/body-codec.ts';
import { BodyFormat } from '../codec/body/formats.ts';
import { deserializeError, type SerializedError } from '../errors/error.ts';
import type { Pending, ReplySink } from './pending.ts';
import type { Router } from './router.ts';

/**
 * Calls a method from the main thread (a listener plugin asking an actor),
 * through the router like any client request: same routing, pinning,
 * deadline and error codes. Rejects with an OutriggerError.
 */
export function callLocal<T = unknown>(router: Router, method: string, params: unknown, timeoutMs?: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const sink: ReplySink = {
      open: true,
      resolve: (_p: Pending, result: Uint8Array) => {
        try {
          resolve(decodeBody(BodyFormat.JSON, result) as T);
        } catch (err) {
          reject(err);
        }
      },
      reject: (_p: Pending, error: SerializedError) => reject(deserializeError(error)),
    };
    router.dispatch(sink, null, method, BodyFormat.JSON, Buffer.from(JSON.stringify(params ?? null)), { timeoutMs });
  });
}
