import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config/load.ts';
import type { OutriggerConfigInput } from '../../runtime/config/schema.ts';
import { Daemon, type ListenerPlugin } from '../../runtime/daemon/daemon.ts';
import { createLogger } from '../../runtime/log.ts';

/** A daemon started from a real config file, as `outrigger start --config FILE` does (hot reload tests). */
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

export async function startFileDaemon(config: (dir: string) => OutriggerConfigInput, plugins: ListenerPlugin[]): Promise<FileDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-reload-'));
  const file = join(dir, 'sidecar.config.ts');
  const write = (c: OutriggerConfigInput | string): void => writeFileSync(file, typeof c === 'string' ? c : configSource(c));
  write(config(dir));
  const loaded = await loadConfig(file, {});
  const daemon = await Daemon.start(loaded, plugins, createLogger(loaded.config.logLevel));
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
