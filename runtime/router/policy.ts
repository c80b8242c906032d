/**
 * Who may call a method. Every route carries one class, declared next to
 * the method (an actor's `policy`, a feature's `method(..., { policy })`);
 * every caller carries the set of classes it was granted (its grants), from
 * how it connected and whether it presented the token (docs/security.md).
 *
 *   public     anyone who can connect (presenting the token, liveness)
 *   data       the data plane: produce, consume, read points, user actors
 *   configure  changes what the daemon talks to: Kafka connections, devices
 *   admin      stop, reload, status and everything that reveals the config
 */
export const POLICY_CLASSES = ['public', 'data', 'configure', 'admin'] as const;
export type PolicyClass = (typeof POLICY_CLASSES)[number];

const BIT: Record<PolicyClass, number> = { public: 1, data: 2, configure: 4, admin: 8 };

/** A set of policy classes as a bit mask (cheap to test on every request). */
export type Grants = number;

export const ALL_GRANTS: Grants = 15;

export function grantsOf(classes: readonly PolicyClass[]): Grants {
  let g = BIT.public;
  for (const c of classes) g |= BIT[c];
  return g;
}

export function policyBit(c: PolicyClass): number {
  return BIT[c];
}

export function grantNames(g: Grants): PolicyClass[] {
  return POLICY_CLASSES.filter((c) => (g & BIT[c]) !== 0);
}
