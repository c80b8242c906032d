// BENCH_SPIN=R,Q: the worker hop's polling budgets (workers.spin replyMicros
// and requestMicros) for a bench daemon's config; absent, the defaults.

/** The `workers` section BENCH_SPIN asks for, spread into a bench config; empty when unset. */
export function spinFromEnv(): { workers?: { spin: { replyMicros: number; requestMicros: number } } } {
  const spin = process.env.BENCH_SPIN;
  if (!spin) return {};
  const [replyMicros, requestMicros] = spin.split(',').map(Number);
  return { workers: { spin: { replyMicros: replyMicros!, requestMicros: requestMicros! } } };
}
