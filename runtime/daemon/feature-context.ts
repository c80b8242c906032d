import { collectProcessMetrics, sharedRegistry } from '../metrics/registry.ts';
import type { FeatureContext, FeatureDefinition, SectionSchemas } from '../feature/api.ts';
import { MethodCaller } from '../router/caller.ts';
import type { DaemonHandle as Daemon } from './handle.ts';
import { buildListener, type ListenerSection, listenerSpec, sessionLimits } from './listeners.ts';
import type { Listener, ListenerSpec } from '../transport/listener.ts';

type AddressedSection = ListenerSection & Pick<ListenerSpec, 'tcp' | 'unix'>;

/**
 * The context each feature's setup() gets: the daemon seen through the
 * public feature API, nothing more.
 */
export function featureContext<S extends SectionSchemas>(d: Daemon, feature: FeatureDefinition<S>): FeatureContext<S> {
  const caller = new MethodCaller(d.router);
  const log = d.log.child({ feature: feature.name });
  return {
    get config() {
      return d.config as FeatureContext<S>['config'];
    },
    get baseDir() {
      return d.loaded.baseDir;
    },
    log,
    events: d.events,
    metrics: sharedRegistry,
    method: (name, handler, opts) => d.router.registerMain(name, handler, opts),
    alias: (name, target) => d.router.alias(name, target),
    call: (method, params, timeoutMs) => caller.call(method, params, timeoutMs),
    has: (method) => caller.has(method),
    actors: () => d.hosts,
    listen(name, factory): Listener | null {
      const section = (d.config.listeners as unknown as Record<string, AddressedSection | undefined>)[name];
      if (!section) throw new Error(`listener '${name}' has no config section 'listeners.${name}': declare it in the feature's sections`);
      if (!section.enabled || (!section.tcp && !section.unix)) return null;
      const listener = buildListener(d, listenerSpec(name, section), sessionLimits(section, d.config), factory);
      d.listeners.push(listener);
      return listener;
    },
    status: (name, fn) => d.addStatusSection(name, fn),
    daemonStatus: () => d.status(),
    onReload: (fn) => d.onReload(fn as Parameters<Daemon['onReload']>[0]),
    onStop: (fn) => d.onExit(fn),
    stop: (reason) => void d.stop(reason),
  };
}

/** Runs every feature's setup in order; a failure stops start-up with the feature named. */
export async function startFeatures(d: Daemon, features: readonly FeatureDefinition[]): Promise<void> {
  collectProcessMetrics();
  for (const f of features) {
    if (!f.setup) continue;
    try {
      await f.setup(featureContext(d, f));
    } catch (err) {
      const e = err as Error & { code?: string };
      e.message = `feature '${f.name}': ${e.message}`;
      throw e;
    }
  }
}
