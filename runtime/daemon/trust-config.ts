import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { OutriggerConfig } from '../config/load.ts';
import { OutriggerError } from '../errors/error.ts';
import { grantsOf } from '../router/policy.ts';
import { createTrust, type Trust } from '../session/trust.ts';

const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * Reads the token file: opened without blocking (a FIFO or device path must
 * not hang start-up), and only a regular file that group and others can't
 * read is accepted, since the token is a credential.
 */
export function readTokenFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new OutriggerError('CONFIG_INVALID', `config field 'security.tokenFile': cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new OutriggerError('CONFIG_INVALID', `config field 'security.tokenFile': ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new OutriggerError('CONFIG_INVALID', `config field 'security.tokenFile': ${path} is readable by group or others (chmod 600 it)`);
    }
    const buf = Buffer.alloc(MAX_TOKEN_FILE_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const token = buf.subarray(0, n).toString('utf8').split('\n')[0]!.trim();
    if (token.length < 16) throw new OutriggerError('CONFIG_INVALID', `config field 'security.tokenFile': the token in ${path} is shorter than 16 characters`);
    return token;
  } finally {
    closeSync(fd);
  }
}

/** The trust model a config asks for (docs/security.md). */
export function trustFromConfig(c: OutriggerConfig, baseDir: string): Trust {
  const s = c.security;
  const secret = s.tokenFile ? readTokenFile(isAbsolute(s.tokenFile) ? s.tokenFile : resolve(baseDir, s.tokenFile)) : s.token;
  return createTrust({
    unix: grantsOf(s.grants.unix),
    // With a token configured, a TCP client must present it before anything but `public` methods.
    tcp: grantsOf(s.grants.tcp ?? (secret ? [] : ['data'])),
    token: grantsOf(s.grants.token),
    secret,
  });
}
