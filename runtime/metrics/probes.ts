/*
 * Liveness and readiness as Kubernetes probes see them.
 * - live: the main thread answers (an event loop blocked for long fails the probe by timing out).
 * - ready: every listener is bound, every configured actor has a worker that
 *   can take work, and the daemon is not draining. A sidecar that is not ready
 *   keeps running; the pod just gets no traffic until it is.
 */
import type { DaemonView } from './daemon-view.ts';

export interface Readiness {
  ready: boolean;
  /** Why not, one line each (empty when ready). */
  reasons: string[];
}

export function readiness(d: DaemonView): Readiness {
  const reasons: string[] = [];
  if (d.router.draining) reasons.push('draining: the daemon is shutting down');
  if (!d.running) reasons.push('starting: listeners are not all bound yet');
  for (const l of d.listeners) if (l.bound.length === 0) reasons.push(`listener '${l.name}' is not bound`);
  for (const [name, host] of d.hosts) {
    if (!host.ready) reasons.push(`actor '${name}' has no ready worker (${host.snapshot().workers.map((s) => s.state).join(', ') || 'inline, not started'})`);
  }
  return { ready: reasons.length === 0, reasons };
}
