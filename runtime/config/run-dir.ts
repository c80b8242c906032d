import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutriggerError } from '../errors/error.ts';

/**
 * Where the pid file, lock, log and unix sockets live by default: root's
 * /run/outrigger; a user's $XDG_RUNTIME_DIR/outrigger (private to the user);
 * else a per-user directory under the temp dir, never a shared name another
 * user could create first.
 */
export function defaultRunDir(env: Record<string, string | undefined> = process.env): string {
  const uid = process.getuid?.() ?? -1;
  if (uid === 0) return '/run/outrigger';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'outrigger');
  return join(tmpdir(), `outrigger-${uid}`);
}

/**
 * Creates runDir (0750) if missing, and refuses one this process does not
 * control: anyone who can write to it could replace the sockets clients
 * connect to, the pid file `outrigger stop` signals, or the log.
 */
export function ensureRunDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: 0o750 });
  } catch (err) {
    throw new OutriggerError('RUN_DIR_UNSAFE', `runDir ${path}: cannot create it: ${(err as Error).message}`);
  }
  const st = lstatSync(path);
  if (st.isSymbolicLink()) throw new OutriggerError('RUN_DIR_UNSAFE', `runDir ${path} is a symbolic link; point runDir at the real directory`);
  if (!st.isDirectory()) throw new OutriggerError('RUN_DIR_UNSAFE', `runDir ${path} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new OutriggerError('RUN_DIR_UNSAFE', `runDir ${path} belongs to uid ${st.uid}, not to this process (uid ${uid}); use a directory you own`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new OutriggerError('RUN_DIR_UNSAFE', `runDir ${path} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod go-w it`);
  }
}
