import { builtinFeatures, type BuiltinSections } from '../../actors/builtins.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { type LoadedConfig } from '../../runtime/feature/load.ts';
import type { FeatureConfig } from '../../runtime/feature/api.ts';

/** A config validated with the built-in features' sections, typed with them. */
export function parseTestConfig(raw: unknown, env: Record<string, string | undefined> = {}): FeatureConfig<BuiltinSections> {
  return parseConfig(raw, builtinFeatures, env) as unknown as FeatureConfig<BuiltinSections>;
}

/** A loaded config (for Daemon.start or reload) from a raw object, with the built-in features. */
export function loadedTestConfig(raw: unknown, baseDir = process.cwd()): LoadedConfig {
  return { config: parseConfig(raw, builtinFeatures, {}), file: null, baseDir, features: builtinFeatures, builtins: builtinFeatures };
}
