import { linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** The pid file, which is also the run directory's lock. */
export const PID_FILE = 'outrigger.pid';

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a pid file names, or null (missing, empty while being written, or garbage). */
export function readPidFile(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** The live daemon holding runDir, if any. */
export function runningPid(runDir: string): number | null {
  const pid = readPidFile(join(runDir, PID_FILE));
  return pid !== null && pidAlive(pid) ? pid : null;
}

export interface RunLock {
  readonly file: string;
  /** Removes the pid file if it still names this process (only the daemon that wrote it removes it). */
  release(): void;
}

function alreadyRunning(pid: number, file: string): OutriggerError {
  return new OutriggerError(
    'ALREADY_RUNNING',
    `outrigger is already running (pid ${pid}, pid file ${file}); stop it first, or remove the file if pid ${pid} is not outrigger`,
    { pid },
  );
}

/**
 * Takes runDir for this process before anything in it is touched: the pid
 * file is created exclusively (O_EXCL), so of two daemons started at once on
 * one runDir exactly one wins, and the other fails with ALREADY_RUNNING
 * naming the winner's pid. A pid file whose process is gone (kill -9, a
 * crash) is stale: it is moved aside under a name of this process's own and
 * removed only if it still names the dead pid, so a contender that took the
 * lock in between keeps it.
 */
export function acquireRunLock(runDir: string, pid = process.pid): RunLock {
  const file = join(runDir, PID_FILE);
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      writeFileSync(file, `${pid}\n`, { flag: 'wx', mode: 0o644 });
      return {
        file,
        release() {
          if (readPidFile(file) === pid) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new OutriggerError('RUN_DIR_UNSAFE', `runDir ${runDir}: cannot create ${PID_FILE}: ${(err as Error).message}`);
      }
    }
    const holder = readPidFile(file);
    if (holder === null) {
      // Created an instant ago and not written yet, or left empty by a crash: look again shortly.
      sleepSync(20);
      if (readPidFile(file) === null && attempt >= 25) rmStale(file, null);
      continue;
    }
    if (pidAlive(holder)) throw alreadyRunning(holder, file);
    const winner = rmStale(file, holder);
    if (winner !== null) throw alreadyRunning(winner, file);
  }
  throw new OutriggerError('RUN_DIR_UNSAFE', `runDir ${runDir}: could not take ${PID_FILE} (it keeps changing)`);
}

/** Removes a stale pid file naming `dead`; returns the pid of a live contender whose fresh file it found instead. */
function rmStale(file: string, dead: number | null): number | null {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return null; // someone else moved or removed it: try again
  }
  const moved = readPidFile(aside);
  if (moved === dead || moved === null || !pidAlive(moved)) {
    rmSync(aside, { force: true });
    return null;
  }
  // A contender's fresh lock: give it back (link fails only if yet another one took the name).
  try {
    linkSync(aside, file);
  } catch {
    /* the name is taken again: that holder wins */
  }
  rmSync(aside, { force: true });
  return moved;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
