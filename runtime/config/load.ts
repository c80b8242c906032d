import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyEnv, buildConfigSchema, type ConfigContribution, envOverrides } from './compose.ts';
import { formatIssues } from './issues.ts';
import type { CoreConfig } from './schema.ts';
import { OutriggerError } from '../errors/error.ts';
import { importModule } from '../loader/modules.ts';

/** A validated config: the core's fields typed, the features' sections present under their keys. */
export type OutriggerConfig = CoreConfig & Record<string, unknown>;


type Env = Record<string, string | undefined>;

/** Validates a raw config object against the core and the features' sections; throws CONFIG_INVALID naming each bad field. */
export function parseConfig(raw: unknown, features: readonly ConfigContribution[], env: Env = process.env): OutriggerConfig {
  if (typeof raw !== 'object' || raw === null) {
    throw new OutriggerError('CONFIG_INVALID', 'the config must be an object (export default defineConfig({...}))');
  }
  const result = buildConfigSchema(features).safeParse(applyEnv(raw as Record<string, unknown>, env, envOverrides(features)));
  if (!result.success) {
    throw new OutriggerError('CONFIG_INVALID', formatIssues(result.error), {
      fields: result.error.issues.map((i) => i.path.join('.')),
    });
  }
  return resolvePaths(result.data as OutriggerConfig);
}

function resolvePaths(config: OutriggerConfig): OutriggerConfig {
  const inRunDir = (p: string): string => (isAbsolute(p) ? p : resolve(config.runDir, p));
  config.runDir = resolve(config.runDir);
  // Every listener's unix socket, a feature's too (its section has the same `unix` shape).
  for (const section of Object.values(config.listeners) as { unix?: { path: string } }[]) {
    if (section.unix) section.unix.path = inRunDir(section.unix.path);
  }
  config.listeners.control.path = inRunDir(config.listeners.control.path);
  return config;
}

export async function importConfigModule(file: string, query = ''): Promise<unknown> {
  let mod: { default?: unknown };
  try {
    mod = (await importModule(pathToFileURL(file).href + query)) as { default?: unknown };
  } catch (err) {
    const hint = /require\(\)|require\(esm\)|cjs/i.test((err as Error).message)
      ? ' (the file was loaded as CommonJS: put it next to a package.json with "type": "module", or name it .mts)'
      : '';
    throw new OutriggerError('CONFIG_LOAD_FAILED', `cannot load ${file}: ${(err as Error).message}${hint}`);
  }
  return mod.default;
}
