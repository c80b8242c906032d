// CPU time of this process (all its threads, so an in-process daemon's
// workers too) and of peer JVMs by pid, from /proc. Throughput on a shared
// 2-core box swings with other tenants; CPU time per document does not, so
// the bench reports both.
import { existsSync, readFileSync } from 'node:fs';
import { peerCpuMs } from '../lib/proc-cpu.ts';

export function pidFromFile(path: string): number | null {
  if (!existsSync(path)) return null;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export interface CpuSample {
  self: number;
  peers: Record<string, number | null>;
}

export function sampleCpu(peers: Record<string, number | null>): CpuSample {
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1000, peers: Object.fromEntries(Object.entries(peers).map(([k, pid]) => [k, peerCpuMs(pid)])) };
}

/** CPU ms spent between two samples, per process. */
export function cpuSpent(a: CpuSample, b: CpuSample): Record<string, number | null> {
  const out: Record<string, number | null> = { bench: b.self - a.self };
  for (const k of Object.keys(a.peers)) {
    const x = a.peers[k];
    const y = b.peers[k];
    out[k] = x === null || x === undefined || y === null || y === undefined ? null : y - x;
  }
  return out;
}

