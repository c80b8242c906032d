import { existsSync } from 'node:fs';
import { defineActor } from '../../../runtime/actor/api.ts';

/**
 * Actor for bench/ipc/piscina/check.ts (with test/fixtures/actors/faulty.ts):
 * a wait that listens to its cancellation signal and counts the aborts it
 * saw, and a crash. create() fails while the file named by options.refuseIf
 * exists (a restart that cannot succeed).
 */
export default defineActor({
  name: 'probe',
  kind: 'pooled',
  methods: ['wait', 'aborted', 'crash'],
  create: (ctx) => {
    const refuseIf = (ctx.options as { refuseIf?: string } | undefined)?.refuseIf;
    if (refuseIf && existsSync(refuseIf)) throw new Error('create() refused: the refuse-if file exists');
    let aborted = 0;
    return {
      handlers: {
        wait: (params, call) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => resolve('waited'), (params as { ms: number }).ms);
            call.signal.addEventListener('abort', () => {
              aborted++;
              clearTimeout(timer);
              resolve('aborted');
            });
          }),
        aborted: () => aborted,
        crash: () => {
          process.exit(3);
        },
      },
    };
  },
});
