import { isAbsolute, resolve } from 'node:path';
import type { OutriggerConfig } from '../config/load.ts';
import { OutriggerError } from '../errors/error.ts';
import { grantsOf } from '../router/policy.ts';
import { readRegularFile } from '../security/safe-file.ts';
import { createTrust, type Trust } from '../session/trust.ts';

const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * Reads the token file: opened without blocking (a FIFO or device path must
 * not hang start-up), and only a regular file that group and others can't
 * read is accepted, since the token is a credential.
 */
export function readTokenFile(path: string): string {
  const what = "config field 'security.tokenFile'";
  const token = readRegularFile(path, { maxBytes: MAX_TOKEN_FILE_BYTES, private: true, what }).toString('utf8').split('\n')[0]!.trim();
  if (token.length < 16) throw new OutriggerError('CONFIG_INVALID', `${what}: the token in ${path} is shorter than 16 characters`);
  return token;
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
