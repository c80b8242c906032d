import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinFeatures } from '../../actors/builtins.ts';
import { loadConfig } from '../../runtime/feature/load.ts';
import { Daemon } from '../../runtime/daemon/daemon.ts';
import type { ConfigInput as OutriggerConfigInput } from '../../index.ts';
import { createLogger } from '../../runtime/log.ts';
import { eagerFeatureActors } from './daemon.ts';

/**
 * A daemon started from a real config file, as `outrigger start --config FILE`
 * does (hot reload tests); the features' actors eager as in startTestDaemon.
 */
export interface FileDaemon {
  daemon: Daemon;
  dir: string;
  file: string;
  write(config: OutriggerConfigInput | string): void;
  stop(): Promise<void>;
}

export function configSource(config: OutriggerConfigInput): string {
  return `export default ${JSON.stringify(config, null, 2)};\n`;
}

export async function startFileDaemon(config: (dir: string) => OutriggerConfigInput): Promise<FileDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-reload-'));
  const file = join(dir, 'sidecar.config.ts');
  // The same for every write, so a reload never flips a built-in between eager and lazy.
  const write = (c: OutriggerConfigInput | string): void =>
    writeFileSync(file, typeof c === 'string' ? c : configSource({ ...c, actors: eagerFeatureActors(c.actors) }));
  write(config(dir));
  const loaded = await loadConfig(file, builtinFeatures, {});
  const daemon = await Daemon.start(loaded, createLogger(loaded.config.logLevel));
  return {
    daemon,
    dir,
    file,
    write,
    async stop() {
      await daemon.stop('test end', 2000);
      await daemon.stopped;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
