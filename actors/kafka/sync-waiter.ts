// Who a sync record's outcome goes to: the caller of a one-record
// kafka.produce, or the collector of a multi-record call, which answers once
// every one of its records has an outcome.
import { OutriggerError } from '../../runtime/errors/error.ts';
import type { ProducedRecord } from './driver.ts';
import { kafkaError } from './errors.ts';

/** What became of one record of a sync multi-record call. */
export type RecordOutcome = { ok: true; record: ProducedRecord } | { ok: false; error: OutriggerError };

/** Who a sync entry answers: one caller, or one multi-record call (by the record's index in it). */
export interface SyncWaiter {
  delivered(index: number, r: ProducedRecord): void;
  failed(index: number, err: unknown): void;
}

/** Collects the outcome of every record of one sync multi-record call; resolves once all are known, never rejects. */
export class ManyWaiter implements SyncWaiter {
  readonly outcomes: RecordOutcome[];
  #left: number;

  constructor(
    n: number,
    readonly done: (outcomes: RecordOutcome[]) => void,
  ) {
    this.outcomes = new Array<RecordOutcome>(n);
    this.#left = n;
  }

  delivered(index: number, record: ProducedRecord): void {
    this.outcomes[index] = { ok: true, record };
    if (--this.#left === 0) this.done(this.outcomes);
  }

  failed(index: number, err: unknown): void {
    const error = err instanceof OutriggerError ? err : kafkaError('KAFKA_ERROR', String((err as Error)?.message ?? err));
    this.outcomes[index] = { ok: false, error };
    if (--this.#left === 0) this.done(this.outcomes);
  }
}
