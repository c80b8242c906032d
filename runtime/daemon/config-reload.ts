/*
 * Where a reload's new config comes from: the config file the daemon was
 * started with, read again (SIGHUP, `outrigger reload`, or the file watcher),
 * validated exactly like at start. A file that fails to load or validate is
 * rejected with the reason and the running config stays.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { importConfigModule } from '../config/load.ts';
import { type LoadedConfig, loadRaw } from '../feature/load.ts';
import type { OutriggerError } from '../errors/error.ts';
import type { DaemonHandle as Daemon } from './handle.ts';
import type { ReloadResult } from './handle.ts';

let generation = 0;

/** Reads and validates the config again; the module cache is bypassed so edits are seen. */
export async function readConfigAgain(current: LoadedConfig, env: Record<string, string | undefined> = process.env): Promise<LoadedConfig> {
  const raw = current.file ? await importConfigModule(current.file, `?reload=${++generation}`) : {};
  return loadRaw(raw, current.file, current.baseDir, current.builtins, env);
}

export async function reloadFromSource(d: Daemon, reason: string): Promise<ReloadResult> {
  let next: LoadedConfig;
  try {
    next = await readConfigAgain(d.loaded);
  } catch (err) {
    const e = err as OutriggerError;
    const rejected = `${e.code ?? 'CONFIG_INVALID'}: ${e.message}`;
    d.reloadCounts.rejected++;
    d.lastReload = { ok: false, reason, changes: [], hookErrors: [], rejected, at: new Date().toISOString() };
    d.log.error({ reason, rejected }, 'config reload rejected; the running config stays');
    return d.lastReload;
  }
  return d.reload(next, reason);
}

/**
 * Watches the config file's directory (editors and `kubectl`'s ConfigMap
 * updates replace the file rather than write it in place, which a watch on
 * the file itself would miss) and reloads after changes settle.
 */
export function watchConfigFile(d: Daemon, debounceMs: number): FSWatcher | null {
  const file = d.loaded.file;
  if (!file) return null;
  const name = basename(file);
  let timer: NodeJS.Timeout | null = null;
  const w = watch(dirname(file), { persistent: false }, (_event, changed) => {
    // ConfigMaps swap a '..data' symlink: any change in the directory may be ours.
    if (changed !== null && changed !== name && !String(changed).startsWith('..')) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void reloadFromSource(d, `config file ${name} changed`);
    }, debounceMs);
  });
  w.on('error', (err) => d.log.warn({ err: err.message, file }, 'config watch failed; SIGHUP still reloads'));
  d.onExit(() => {
    if (timer) clearTimeout(timer);
    w.close();
  });
  return w;
}
