import { defineActor } from '../../runtime/actor/api.ts';

/**
 * Built-in liveness and loopback methods. They run in a worker like any
 * actor, so `sys.echo` measures the full decode → route → worker → reply path.
 * (`sys.stats` is answered on the main thread by the sys feature: it reports main-thread state.)
 */
export default defineActor({
  name: 'sys',
  kind: 'pooled',
  methods: ['ping', 'echo'],
  create: () => ({
    handlers: {
      ping: () => 'pong',
      echo: (params) => params,
    },
  }),
});
