import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { type ActorDefinition, isActorDefinition } from '../actor/api.ts';
import { ActorHost } from '../actor/host.ts';
import { InlineHost } from '../actor/inline-host.ts';
import type { ActorRuntime } from '../actor/runtime.ts';
import type { OutriggerConfig } from '../config/load.ts';
import type { LoadedConfig } from '../feature/load.ts';
import { OutriggerError } from '../errors/error.ts';
import type { FeatureConfig } from '../feature/api.ts';
import { importModule } from '../loader/modules.ts';
import type { Settler } from '../router/pending.ts';

const DEFAULT_MAX_QUEUE = 65_536;

export interface ActorToStart {
  name: string;
  moduleUrl: string;
  workers: number;
  maxQueue: number;
  options: unknown;
  mode: 'worker' | 'inline';
  /** Workers start on the first request (worker mode only). */
  lazy: boolean;
}

/**
 * The actors a config runs: the features' actors (tunable under their name
 * in `actors`), then the user's, in config order.
 */
export function actorsFromConfig(loaded: LoadedConfig): ActorToStart[] {
  const { config, baseDir, features } = loaded;
  const list: ActorToStart[] = [];
  const featureConfig = config as FeatureConfig<Record<string, never>>;
  const moduleUrl = (path: string): string => pathToFileURL(isAbsolute(path) ? path : resolve(baseDir, path)).href;
  const featureActors = new Set<string>();
  for (const f of features) {
    for (const a of f.actors ?? []) {
      featureActors.add(a.name);
      const spec = config.actors[a.name];
      if (spec?.enabled === false || a.enabled?.(featureConfig) === false) continue;
      list.push({
        name: a.name,
        // `actors.<name>.module` runs another module in the feature actor's place (a stand-in, a fork).
        moduleUrl: spec?.module ? moduleUrl(spec.module) : typeof a.module === 'string' ? a.module : a.module.href,
        workers: spec?.workers ?? a.workers?.(featureConfig) ?? 1,
        maxQueue: spec?.maxQueue ?? a.maxQueue ?? DEFAULT_MAX_QUEUE,
        options: a.options ? a.options(featureConfig, baseDir) : undefined,
        mode: spec?.mode ?? 'worker',
        lazy: spec?.start ? spec.start === 'lazy' : (a.lazy?.(featureConfig) ?? false),
      });
    }
  }
  for (const [name, spec] of Object.entries(config.actors)) {
    if (!spec.module || !spec.enabled || featureActors.has(name)) continue;
    list.push({
      name,
      moduleUrl: moduleUrl(spec.module),
      workers: spec.workers ?? 1,
      maxQueue: spec.maxQueue ?? DEFAULT_MAX_QUEUE,
      options: spec.options,
      mode: spec.mode,
      lazy: spec.start === 'lazy',
    });
  }
  return list;
}

async function importDefinition(a: ActorToStart): Promise<ActorDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await importModule(a.moduleUrl)) as { default?: unknown };
  } catch (err) {
    throw new OutriggerError('CONFIG_INVALID', `config field 'actors.${a.name}.module': cannot import ${a.moduleUrl}: ${(err as Error).message}`);
  }
  if (!isActorDefinition(mod.default)) {
    throw new OutriggerError('CONFIG_INVALID', `config field 'actors.${a.name}.module': ${a.moduleUrl} must default-export defineActor({...})`);
  }
  const def = mod.default;
  if (def.name !== a.name) {
    throw new OutriggerError('CONFIG_INVALID', `config field 'actors.${a.name}': the module defines actor '${def.name}'; use that name as the key`);
  }
  if (def.parseOptions) {
    try {
      def.parseOptions(a.options);
    } catch (err) {
      throw new OutriggerError('CONFIG_INVALID', `config field 'actors.${a.name}.options': ${(err as Error).message}`);
    }
  }
  return def;
}

/**
 * Imports and validates every actor (module, name, options), then starts
 * them: a config mistake is reported before any worker thread exists, and a
 * failure while starting stops the ones already started.
 */
export async function startActors(list: ActorToStart[], config: OutriggerConfig, settler: Settler, log: Logger): Promise<Map<string, ActorRuntime>> {
  const defs: ActorDefinition[] = [];
  for (const a of list) defs.push(await importDefinition(a));
  const hosts = new Map<string, ActorRuntime>();
  try {
    for (const [i, a] of list.entries()) {
      const def = defs[i]!;
      const actorLog = log.child({ actor: def.name });
      const host: ActorRuntime =
        a.mode === 'inline'
          ? new InlineHost(def, { maxQueue: a.maxQueue, options: a.options }, settler, actorLog)
          : new ActorHost(
              def,
              {
                module: a.moduleUrl,
                workers: a.workers,
                maxQueue: a.maxQueue,
                options: a.options,
                logLevel: config.logLevel,
                lazy: a.lazy,
                ...config.workers,
              },
              settler,
              actorLog,
            );
      hosts.set(def.name, host);
      await host.start();
    }
  } catch (err) {
    for (const h of hosts.values()) await h.stop(Date.now());
    throw err;
  }
  return hosts;
}
