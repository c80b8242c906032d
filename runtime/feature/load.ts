// Loading a config the way the daemon runs it: the file imported, the plugin
// modules it lists imported, then validated against the core and every
// feature's sections.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importConfigModule, type OutriggerConfig, parseConfig } from '../config/load.ts';
import { OutriggerError } from '../errors/error.ts';
import { importModule } from '../loader/modules.ts';
import { type FeatureDefinition, isFeatureDefinition } from './api.ts';

type Env = Record<string, string | undefined>;

export interface LoadedConfig {
  config: OutriggerConfig;
  /** Absolute path of the file it came from, or null for the embedded default. */
  file: string | null;
  /** Directory that relative module paths are resolved against. */
  baseDir: string;
  /** The features this config runs: the built-in ones, then its plugins. */
  features: readonly FeatureDefinition[];
  /** The built-in features alone (a reload reads the plugin list again). */
  builtins: readonly FeatureDefinition[];
}

/** The feature modules a raw config lists under `plugins`, imported. */
async function loadPlugins(raw: unknown, baseDir: string): Promise<FeatureDefinition[]> {
  const list = (raw as { plugins?: unknown } | null)?.plugins;
  if (!Array.isArray(list)) return [];
  const out: FeatureDefinition[] = [];
  for (const [i, entry] of list.entries()) {
    if (typeof entry !== 'string') continue; // the schema reports it
    const url = pathToFileURL(isAbsolute(entry) ? entry : resolve(baseDir, entry)).href;
    let mod: { default?: unknown };
    try {
      mod = (await importModule(url)) as { default?: unknown };
    } catch (err) {
      throw new OutriggerError('CONFIG_INVALID', `config field 'plugins.${i}': cannot import ${entry}: ${(err as Error).message}`);
    }
    if (!isFeatureDefinition(mod.default)) {
      throw new OutriggerError('CONFIG_INVALID', `config field 'plugins.${i}': ${entry} must default-export defineFeature({...})`);
    }
    out.push(mod.default);
  }
  return out;
}

/** Validates a raw config (already imported) with the built-in features and the plugins it lists. */
export async function loadRaw(raw: unknown, file: string | null, baseDir: string, builtins: readonly FeatureDefinition[], env: Env): Promise<LoadedConfig> {
  const features = [...builtins, ...(await loadPlugins(raw, baseDir))];
  const names = new Set<string>();
  for (const f of features) {
    if (names.has(f.name)) throw new OutriggerError('CONFIG_INVALID', `two features are named '${f.name}'`);
    names.add(f.name);
  }
  return { config: parseConfig(raw, features, env), file, baseDir, features, builtins };
}

/**
 * Loads the config: an explicit file, else ./sidecar.config.ts when present,
 * else the embedded defaults (every listener on loopback, no external service).
 */
export async function loadConfig(
  file: string | undefined,
  builtins: readonly FeatureDefinition[],
  env: Env = process.env,
  cwd = process.cwd(),
): Promise<LoadedConfig> {
  const candidate = file ? resolve(cwd, file) : resolve(cwd, 'sidecar.config.ts');
  if (!existsSync(candidate)) {
    if (file) throw new OutriggerError('CONFIG_LOAD_FAILED', `config file ${candidate} does not exist`);
    return loadRaw({}, null, cwd, builtins, env);
  }
  return loadRaw(await importConfigModule(candidate), candidate, dirname(candidate), builtins, env);
}
