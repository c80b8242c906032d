import { createHash, timingSafeEqual } from 'node:crypto';
import { ALL_GRANTS, type Grants } from '../router/policy.ts';

/**
 * What a connection may call before and after it presents the token. A unix
 * socket connection was let in by the socket file's permissions, which is the
 * trust boundary on a shared host; a TCP connection on loopback proves
 * nothing about who made it (docs/security.md).
 */
export interface Trust {
  /** Grants of a unix socket connection. */
  readonly unix: Grants;
  /** Grants of a TCP connection that has not presented the token. */
  readonly tcp: Grants;
  /** Grants after presenting the token (unix connections keep theirs if larger). */
  readonly token: Grants;
  /** Whether a token is configured at all. */
  readonly hasToken: boolean;
  /** Constant-time check of a presented token. */
  verify(presented: string): boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function createTrust(opts: { unix: Grants; tcp: Grants; token: Grants; secret: string | undefined }): Trust {
  // Compared as digests: equal length whatever was sent, so timing says nothing about the secret.
  const expected = opts.secret === undefined ? null : digest(opts.secret);
  return {
    unix: opts.unix,
    tcp: opts.tcp,
    token: opts.token,
    hasToken: expected !== null,
    verify: (presented) => expected !== null && presented.length <= 4096 && timingSafeEqual(expected, digest(presented)),
  };
}

/** Everything allowed: the control socket, and calls the daemon makes to itself. */
export const FULL_TRUST: Trust = createTrust({ unix: ALL_GRANTS, tcp: ALL_GRANTS, token: ALL_GRANTS, secret: undefined });
