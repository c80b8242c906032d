import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A cross-process lock made of a directory (mkdir is atomic), for test files
 * that share a real peer and sometimes stop it. A lock left by a dead process
 * is taken over. Resolves to the release function.
 */
export async function acquireDirLock(path: string, timeoutMs: number, what: string): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true });
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(`${path}/pid`, String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(readFileSync(`${path}/pid`, 'utf8'));
      } catch {
        /* being written or removed */
      }
      if (owner > 0 && !alive(owner)) rmSync(path, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`${what} stayed locked by pid ${owner} for ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
