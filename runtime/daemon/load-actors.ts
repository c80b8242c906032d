import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { type ActorDefinition, isActorDefinition } from '../actor/api.ts';
import { ActorHost } from '../actor/host.ts';
import { InlineHost } from '../actor/inline-host.ts';
import type { ActorRuntime } from '../actor/runtime.ts';
import { OutriggerError } from '../errors/error.ts';
import type { OutriggerConfig } from '../config/schema.ts';
import type { Router } from '../router/router.ts';

/**
 * Actors every daemon runs. A built-in actor gets the top-level config
 * section of its own name (e.g. `kafka`) as its options, and takes
 * `enabled` and `workers` from it when the section has them.
 */
export const BUILTIN_ACTORS: Record<string, string> = {
  sys: new URL('../../actors/sys/index.ts', import.meta.url).href,
  kafka: new URL('../../actors/kafka/index.ts', import.meta.url).href,
  modbus: new URL('../../actors/modbus/index.ts', import.meta.url).href,
};

function builtinSection(config: OutriggerConfig, name: string): { enabled?: boolean; workers?: number } | undefined {
  return (config as unknown as Record<string, { enabled?: boolean; workers?: number } | undefined>)[name];
}

export interface ActorToStart {
  name: string;
  moduleUrl: string;
  workers: number;
  maxQueue: number;
  options: unknown;
  mode: 'worker' | 'inline';
}

/**
 * The actors to run: built-ins (tunable under their own name in `actors`)
 * then the configured ones, in config order.
 */
export function actorsFromConfig(config: OutriggerConfig, baseDir: string): ActorToStart[] {
  const list: ActorToStart[] = [];
  const entries: [string, OutriggerConfig['actors'][string] | undefined][] = [
    ...Object.keys(BUILTIN_ACTORS).map((name): [string, undefined] => [name, undefined]),
    ...Object.entries(config.actors).filter(([name]) => !(name in BUILTIN_ACTORS)),
  ];
  for (const [name, fromList] of entries) {
    const spec = fromList ?? config.actors[name];
    // A built-in with a top-level section of its own (kafka) takes its options from there.
    const section = fromList ? undefined : builtinSection(config, name);
    if ((spec && !spec.enabled) || section?.enabled === false) continue;
    let moduleUrl = BUILTIN_ACTORS[name];
    if (spec?.module) moduleUrl = pathToFileURL(isAbsolute(spec.module) ? spec.module : resolve(baseDir, spec.module)).href;
    if (!moduleUrl) {
      throw new OutriggerError('CONFIG_INVALID', `config field 'actors.${name}.module': expected the path of an actor module`);
    }
    list.push({
      name,
      moduleUrl,
      workers: spec?.workers ?? section?.workers ?? 1,
      maxQueue: spec?.maxQueue ?? 65_536,
      options: spec?.options ?? section,
      mode: spec?.mode ?? 'worker',
    });
  }
  return list;
}

async function importDefinition(a: ActorToStart): Promise<ActorDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await import(a.moduleUrl)) as { default?: unknown };
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

/** Imports, validates and starts every actor; a failure stops start-up with the reason. */
export async function startActors(
  list: ActorToStart[],
  config: OutriggerConfig,
  router: Router,
  log: Logger,
  /** Hot reload starts replacement hosts first and swaps their routes in later. */
  registerRoutes = true,
): Promise<Map<string, ActorRuntime>> {
  const hosts = new Map<string, ActorRuntime>();
  for (const a of list) {
    const def = await importDefinition(a);
    const actorLog = log.child({ actor: def.name });
    const host: ActorRuntime =
      a.mode === 'inline'
        ? new InlineHost(def, { maxQueue: a.maxQueue, options: a.options }, router, actorLog)
        : new ActorHost(
      def,
      {
        module: a.moduleUrl,
        workers: a.workers,
        maxQueue: a.maxQueue,
        options: a.options,
        logLevel: config.logLevel,
        heartbeatMs: config.workers.heartbeatMs,
        hangTimeoutMs: config.workers.hangTimeoutMs,
        restartBackoffMs: config.workers.restartBackoffMs,
      },
            router,
            actorLog,
          );
    hosts.set(def.name, host);
    try {
      await host.start();
    } catch (err) {
      for (const h of hosts.values()) await h.stop(Date.now());
      throw err;
    }
    if (registerRoutes) router.registerActor(host);
  }
  return hosts;
}
