// Finds the handler for a `database.table`: configured patterns are matched
// exactly first, then `*` patterns in config order. Handler modules are
// imported (and factories called) once when the pipeline starts, so a broken
// module stops start-up with the config field that names it.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { HandlerSpec } from './config.ts';
import { OutriggerError } from '../../runtime/errors/error.ts';
import { importModule } from '../../runtime/loader/modules.ts';
import { defaultHandler } from './default-handler.ts';
import { isHandlerDefinition, type TableHandler } from './handler-api.ts';

export interface ResolvedHandler {
  readonly pattern: string;
  readonly handler: TableHandler;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

async function loadModule(pipeline: string, pattern: string, spec: { module: string; options?: unknown }, baseDir: string, log: Logger): Promise<TableHandler> {
  const field = `pipelines.${pipeline}.handlers.${pattern}.module`;
  const path = isAbsolute(spec.module) ? spec.module : resolve(baseDir, spec.module);
  let mod: { default?: unknown };
  try {
    mod = (await importModule(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    throw new OutriggerError('CONFIG_INVALID', `config field '${field}': cannot import ${path}: ${(err as Error).message}`);
  }
  const def = mod.default;
  if (!isHandlerDefinition(def)) {
    throw new OutriggerError('CONFIG_INVALID', `config field '${field}': ${path} must default-export defineHandler({...})`);
  }
  if (typeof def !== 'function') return def;
  try {
    return await def({ pipeline, table: pattern, options: spec.options, log: log.child({ handler: pattern }) });
  } catch (err) {
    throw new OutriggerError('CONFIG_INVALID', `config field '${field}': the handler factory failed: ${(err as Error).message}`);
  }
}

export class HandlerRegistry {
  readonly #exact = new Map<string, ResolvedHandler>();
  readonly #globs: { re: RegExp; resolved: ResolvedHandler }[] = [];
  readonly #cache = new Map<string, ResolvedHandler | null>();

  private constructor() {}

  static async load(pipeline: string, specs: Record<string, HandlerSpec>, baseDir: string, log: Logger): Promise<HandlerRegistry> {
    const r = new HandlerRegistry();
    for (const [pattern, spec] of Object.entries(specs)) {
      const handler = 'module' in spec ? await loadModule(pipeline, pattern, spec, baseDir, log) : defaultHandler(spec, pattern);
      const resolved = { pattern, handler };
      if (pattern.includes('*')) r.#globs.push({ re: globToRegExp(pattern), resolved });
      else r.#exact.set(pattern, resolved);
    }
    return r;
  }

  find(database: string, table: string): ResolvedHandler | null {
    const name = `${database}.${table}`;
    let hit = this.#cache.get(name);
    if (hit === undefined) {
      hit = this.#exact.get(name) ?? this.#globs.find((g) => g.re.test(name))?.resolved ?? null;
      this.#cache.set(name, hit);
    }
    return hit;
  }

  async close(log: Logger): Promise<void> {
    const all = [...this.#exact.values(), ...this.#globs.map((g) => g.resolved)];
    for (const { pattern, handler } of all) {
      try {
        await handler.close?.();
      } catch (err) {
        log.warn({ handler: pattern, err: (err as Error).message }, 'handler close failed');
      }
    }
  }
}
