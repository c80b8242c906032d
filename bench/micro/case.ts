/**
 * One micro-benchmark: `run` does `ops` operations per call, so an operation
 * that takes tens of nanoseconds is timed over a call long enough for the
 * clock (a single call of a 20 ns operation is below performance.now()'s
 * useful resolution). Results are reported per operation.
 */
export interface MicroCase {
  name: string;
  /** Operations one call of `run` performs. */
  ops: number;
  run: () => void;
}

/** Keeps a result observable so the optimizer cannot drop the work that made it. */
export let sink: unknown = null;
export function keep(v: unknown): void {
  sink = v;
}
