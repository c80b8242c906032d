import { defineFeature, moduleBeside } from '../../runtime/feature/api.ts';

/**
 * Liveness and introspection: the sys actor (`sys.ping`, `sys.echo`, run in
 * a worker like any actor, so echo measures the whole path) and `sys.stats`,
 * the daemon's status, answered on the main thread (admin-class: it shows
 * the configuration's paths and addresses).
 */
export const sysFeature = defineFeature({
  name: 'sys',
  // No work until called: its worker starts on the first sys.ping or sys.echo.
  actors: [{ name: 'sys', module: moduleBeside(import.meta.url, 'index'), lazy: () => true }],
  setup(ctx) {
    ctx.method('sys.stats', () => ctx.daemonStatus(), { policy: 'admin', params: 'none' });
  },
});
