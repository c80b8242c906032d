import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, PID_FILE, runningPid } from '../../../runtime/config/run-dir.ts';

const dir = (): string => mkdtempSync(join(tmpdir(), 'outrigger-lock-'));
/** The pid of a process that has already ended. */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('runDir lock (the pid file)', () => {
  it('is held by one daemon: a second one fails with ALREADY_RUNNING naming the holder, and removes nothing', () => {
    const d = dir();
    const lock = acquireRunLock(d);
    expect(readFileSync(join(d, PID_FILE), 'utf8')).toBe(`${process.pid}\n`);
    expect(() => acquireRunLock(d)).toThrow(expect.objectContaining({ code: 'ALREADY_RUNNING', data: { pid: process.pid } }));
    expect(runningPid(d)).toBe(process.pid);
    lock.release();
    expect(existsSync(join(d, PID_FILE))).toBe(false);
  });

  it('takes over a pid file whose process is gone', () => {
    const d = dir();
    writeFileSync(join(d, PID_FILE), `${deadPid()}\n`);
    expect(runningPid(d)).toBeNull();
    const lock = acquireRunLock(d);
    expect(runningPid(d)).toBe(process.pid);
    lock.release();
  });

  it('is removed on release only while it still names this process', () => {
    const d = dir();
    const lock = acquireRunLock(d);
    writeFileSync(join(d, PID_FILE), '1\n'); // someone else's now
    lock.release();
    expect(readFileSync(join(d, PID_FILE), 'utf8')).toBe('1\n');
  });
});
