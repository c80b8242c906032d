import { createLogger } from '../../runtime/log.ts';
import { Router } from '../../runtime/router/router.ts';
import type { SessionLimits } from '../../runtime/session/limits.ts';
import { MemoryBudget } from '../../runtime/session/memory-budget.ts';
import { type SessionEnv, SessionStats } from '../../runtime/session/session.ts';
import { FULL_TRUST, type Trust } from '../../runtime/session/trust.ts';

/** A session environment for unit tests of one protocol session, outside a daemon. */
export function testSessionEnv(limits: Partial<SessionLimits> = {}, opts: { trust?: Trust; budget?: MemoryBudget; inflightBudget?: MemoryBudget; router?: Router } = {}): SessionEnv {
  return {
    router: opts.router ?? new Router({ defaultTimeoutMs: 30_000, overflow: 'pause' }),
    limits: {
      maxFrameBytes: 1024 * 1024,
      maxInflightPerConnection: 1024,
      maxInflightBytesPerConnection: 32 * 1024 * 1024,
      overflow: 'pause',
      readTimeoutMs: 10_000,
      writeTimeoutMs: 30_000,
      idleTimeoutMs: 0,
      maxConsecutiveErrors: 16,
      ...limits,
    },
    trust: opts.trust ?? FULL_TRUST,
    budget: opts.budget ?? new MemoryBudget(128 * 1024 * 1024),
    inflightBudget: opts.inflightBudget ?? new MemoryBudget(256 * 1024 * 1024),
    rateLimit: null,
    stats: new SessionStats(),
    log: createLogger('silent'),
  };
}
