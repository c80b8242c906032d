import type { Daemon, ListenerPlugin } from '../daemon/daemon.ts';
import { AppApi } from './app-api.ts';
import { MethodCaller } from './forward.ts';

/**
 * Seed 000's App service as main-thread routes `app.init`, `app.kafka` and
 * `app.shutdown`: over Goridge they are `App.Init`, `App.Kafka` and
 * `App.Shutdown` (and reachable over binary IPC under their own names).
 */
export const appApiPlugin: ListenerPlugin = (daemon: Daemon) => {
  const config = daemon.config.app;
  if (!config.enabled) return [];
  const api = new AppApi(config, new MethodCaller(daemon.router), daemon.log.child({ api: 'app' }), (reason) => {
    void daemon.stop(reason);
  });
  daemon.router.registerMain('app.init', (params, ctx) => api.init(params, ctx.deadline));
  daemon.router.registerMain('app.kafka', (params, ctx) => api.kafka(params, ctx.deadline));
  daemon.router.registerMain('app.shutdown', () => api.shutdown());
  return [];
};
