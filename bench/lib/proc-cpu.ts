// CPU time from /proc (Linux): a process's (all its threads) or each of its
// threads'. utime + stime, in milliseconds (USER_HZ = 100). And a process's
// resident memory.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10;

/** utime + stime in ms from a /proc stat file, or null when it is not readable. */
function statCpuMs(path: string): number | null {
  try {
    const stat = readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** CPU ms a process has used so far; throws when it is gone (a bench must not measure nothing). */
export function processCpuMs(pid: number): number {
  const ms = statCpuMs(`/proc/${pid}/stat`);
  if (ms === null) throw new Error(`cannot read /proc/${pid}/stat: has the process exited?`);
  return ms;
}

/** Like processCpuMs for an optional peer: null when there is no pid or the process is unreadable. */
export function peerCpuMs(pid: number | null): number | null {
  return pid ? statCpuMs(`/proc/${pid}/stat`) : null;
}

/** CPU ms so far per thread id of a process (default: this one). */
export function threadCpuMs(pid: number | 'self' = 'self'): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) out.set(Number(tid), statCpuMs(`/proc/${pid}/task/${tid}/stat`) ?? 0);
  return out;
}

/** Resident memory of a process in MiB (VmRSS), NaN when it is gone. */
export function processRssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
