import { existsSync } from 'node:fs';
import { defineActor } from '../../../runtime/actor/api.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

/**
 * Actor for bench/ipc/piscina/check.ts: a sleep that listens to its
 * cancellation signal (and counts the aborts it saw), a crash, a blocked
 * event loop, and an error with a code and data. create() fails while the
 * file named by options.refuseIf exists (a restart that cannot succeed).
 */
export default defineActor({
  name: 'probe',
  kind: 'pooled',
  methods: ['sleep', 'aborted', 'crash', 'hang', 'fail'],
  create: (ctx) => {
    const refuseIf = (ctx.options as { refuseIf?: string } | undefined)?.refuseIf;
    if (refuseIf && existsSync(refuseIf)) throw new Error('create() refused: the refuse-if file exists');
    let aborted = 0;
    return {
      handlers: {
        sleep: (params, call) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => resolve('slept'), (params as { ms: number }).ms);
            call.signal.addEventListener('abort', () => {
              aborted++;
              clearTimeout(timer);
              resolve('aborted');
            });
          }),
        aborted: () => aborted,
        crash: () => {
          setImmediate(() => process.exit(3));
          return new Promise(() => {});
        },
        hang: (params) => {
          const until = Date.now() + (params as { ms: number }).ms;
          while (Date.now() < until) {
            /* block the worker's event loop */
          }
          return 'unblocked';
        },
        fail: () => {
          throw new OutriggerError('CUSTOM_FAILURE', 'custom failure', { detail: 42 });
        },
      },
    };
  },
});
