import { ActorHost } from '../../../runtime/actor/host.ts';
import type { Daemon } from '../../../runtime/daemon/daemon.ts';
import { type PiscinaMode, PiscinaHost } from './host.ts';

/**
 * Moves a running daemon's worker-hosted actor onto a PiscinaHost with the
 * same options: start the new host, switch the routes, stop the old one (as
 * a hot reload replaces a host). Everything else in the daemon is untouched.
 */
export async function moveToPiscina(daemon: Daemon, actor: string, mode: PiscinaMode): Promise<PiscinaHost> {
  const old = daemon.hosts.get(actor);
  if (!(old instanceof ActorHost)) throw new Error(`actor '${actor}' is not hosted on worker threads`);
  const host = new PiscinaHost(old.def, { ...old.opts, mode }, daemon.router, old.log);
  await host.start();
  daemon.addHost(host, old);
  await old.stop(Date.now() + 1000);
  return host;
}
