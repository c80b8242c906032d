// Who a sync record's outcome goes to: the caller of a one-record
// kafka.produce, or the collector of a multi-record call, which answers once
// every one of its records has an outcome.
import type { OutriggerError } from '../../runtime/errors/error.ts';
import type { ProducedRecord } from './driver.ts';

/** What became of one record of a sync multi-record call. */
export type RecordOutcome = { ok: true; record: ProducedRecord } | { ok: false; error: OutriggerError };

/** Who a sync entry answers: one caller, or one multi-record call (by the record's index in it). */
export interface SyncWaiter {
  delivered(index: number, r: ProducedRecord): void;
  failed(index: number, err: OutriggerError): void;
}

/** Collects the outcome of every record of one sync multi-record call; resolves once all are known, never rejects. */
export class ManyWaiter implements SyncWaiter {
  readonly #outcomes: RecordOutcome[];
  readonly #done: (outcomes: RecordOutcome[]) => void;
  #left: number;

  constructor(n: number, done: (outcomes: RecordOutcome[]) => void) {
    this.#outcomes = new Array<RecordOutcome>(n);
    this.#done = done;
    this.#left = n;
    if (n === 0) done(this.#outcomes);
  }

  delivered(index: number, record: ProducedRecord): void {
    this.#settle(index, { ok: true, record });
  }

  failed(index: number, error: OutriggerError): void {
    this.#settle(index, { ok: false, error });
  }

  #settle(index: number, outcome: RecordOutcome): void {
    this.#outcomes[index] = outcome;
    if (--this.#left === 0) this.#done(this.#outcomes);
  }
}
