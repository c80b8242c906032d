// Pure: the answer to a sync multi-record kafka.produce, from each record's
// outcome. All acknowledged: per-record partitions and offsets, in request
// order. Otherwise an error that says exactly which records were written
// (docs/kafka.md "Producing many records"): the cause's own code when none
// was acknowledged, KAFKA_BATCH_PARTIAL when some were. The message names
// the failed indexes too, because Goridge error frames carry only the text.
import { OutriggerError } from '../../runtime/errors/error.ts';
import type { RecordOutcome } from './sync-waiter.ts';

export interface ProduceManyReply {
  topic: string;
  /** One entry per record of the call, in the same order. */
  records: { partition: number; offset: number }[];
}

interface FailedRecords {
  code: string;
  /** The first failed record's message for this code. */
  message: string;
  data?: unknown;
  indexes: number[];
}

/** "0-2, 5, 7-9" for [0, 1, 2, 5, 7, 8, 9] (ascending input). */
export function indexRanges(indexes: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indexes.length; ) {
    let j = i;
    while (j + 1 < indexes.length && indexes[j + 1] === indexes[j]! + 1) j++;
    parts.push(j === i ? String(indexes[i]) : `${indexes[i]}-${indexes[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

export function produceManyReply(topic: string, outcomes: readonly RecordOutcome[]): ProduceManyReply {
  const records: ProduceManyReply['records'] = new Array<ProduceManyReply['records'][number]>(outcomes.length);
  let failed = false;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (!o.ok) {
      failed = true;
      break;
    }
    records[i] = { partition: o.record.partition, offset: o.record.offset };
  }
  if (failed) throw produceManyError(topic, outcomes);
  return { topic, records };
}

function produceManyError(topic: string, outcomes: readonly RecordOutcome[]): OutriggerError {
  const acknowledged: { index: number; partition: number; offset: number }[] = [];
  const byCode = new Map<string, FailedRecords>();
  outcomes.forEach((o, index) => {
    if (o.ok) {
      acknowledged.push({ index, partition: o.record.partition, offset: o.record.offset });
      return;
    }
    let f = byCode.get(o.error.code);
    if (!f) {
      f = { code: o.error.code, message: o.error.message, indexes: [] };
      if (o.error.data !== undefined) f.data = o.error.data;
      byCode.set(o.error.code, f);
    }
    f.indexes.push(index);
  });
  const failed = [...byCode.values()];
  const n = outcomes.length;
  const causes = failed.map((f) => `messages[${indexRanges(f.indexes)}]: ${f.code}: ${f.message}`).join('; ');
  const data = { topic, acknowledged, failed };
  if (acknowledged.length === 0) {
    return new OutriggerError(failed[0]!.code, `none of the ${n} records was acknowledged — ${causes}`, data);
  }
  const notAcked = n - acknowledged.length;
  return new OutriggerError(
    'KAFKA_BATCH_PARTIAL',
    `${notAcked} of ${n} records were not acknowledged — ${causes}; the other ${acknowledged.length} were written (data.acknowledged has their offsets)`,
    data,
  );
}
