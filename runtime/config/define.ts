import type { OutriggerConfigInput } from './schema.ts';

/** Typed identity for sidecar.config.ts: `export default defineConfig({ ... })`. */
export function defineConfig(config: OutriggerConfigInput): OutriggerConfigInput {
  return config;
}

export type { OutriggerConfigInput };
