import { describe, expect, it } from 'vitest';
import { indexRanges, produceManyReply } from '../../../actors/kafka/produce-many-reply.ts';
import type { RecordOutcome } from '../../../actors/kafka/sync-waiter.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

const ok = (partition: number, offset: number): RecordOutcome => ({ ok: true, record: { topic: 't', partition, offset } });
const fail = (code: string, message = `${code} happened`, data?: unknown): RecordOutcome => ({ ok: false, error: new OutriggerError(code, message, data) });

function thrown(fn: () => unknown): OutriggerError {
  try {
    fn();
  } catch (err) {
    return err as OutriggerError;
  }
  throw new Error('expected an error');
}

describe('produceManyReply', () => {
  it('answers partitions and offsets in call order when every record was acknowledged', () => {
    expect(produceManyReply('t', [ok(0, 7), ok(2, 3), ok(0, 8)])).toEqual({
      topic: 't',
      records: [
        { partition: 0, offset: 7 },
        { partition: 2, offset: 3 },
        { partition: 0, offset: 8 },
      ],
    });
  });

  it('some acknowledged: KAFKA_BATCH_PARTIAL, naming the failed indexes in the message and listing both sides in data', () => {
    const err = thrown(() =>
      produceManyReply('t', [ok(0, 1), fail('KAFKA_UNKNOWN_PARTITION', 'no partition 9', { partition: 9 }), ok(0, 2), fail('KAFKA_TIMEOUT'), fail('KAFKA_TIMEOUT')]),
    );
    expect(err.code).toBe('KAFKA_BATCH_PARTIAL');
    expect(err.message).toBe(
      '3 of 5 records were not acknowledged — messages[1]: KAFKA_UNKNOWN_PARTITION: no partition 9; messages[3-4]: KAFKA_TIMEOUT: KAFKA_TIMEOUT happened; ' +
        'the other 2 were written (data.acknowledged has their offsets)',
    );
    expect(err.data).toEqual({
      topic: 't',
      acknowledged: [
        { index: 0, partition: 0, offset: 1 },
        { index: 2, partition: 0, offset: 2 },
      ],
      failed: [
        { code: 'KAFKA_UNKNOWN_PARTITION', message: 'no partition 9', data: { partition: 9 }, indexes: [1] },
        { code: 'KAFKA_TIMEOUT', message: 'KAFKA_TIMEOUT happened', indexes: [3, 4] },
      ],
    });
  });

  it('none acknowledged: the cause\'s own code (the first failed record\'s), same data', () => {
    const err = thrown(() => produceManyReply('t', [fail('KAFKA_UNKNOWN_TOPIC', 'no topic t'), fail('KAFKA_UNKNOWN_TOPIC', 'no topic t')]));
    expect(err.code).toBe('KAFKA_UNKNOWN_TOPIC');
    expect(err.message).toBe('none of the 2 records was acknowledged — messages[0-1]: KAFKA_UNKNOWN_TOPIC: no topic t');
    expect(err.data).toEqual({ topic: 't', acknowledged: [], failed: [{ code: 'KAFKA_UNKNOWN_TOPIC', message: 'no topic t', indexes: [0, 1] }] });
  });

  it('writes index lists as ranges', () => {
    expect(indexRanges([])).toBe('');
    expect(indexRanges([4])).toBe('4');
    expect(indexRanges([0, 1, 2, 5, 7, 8, 9])).toBe('0-2, 5, 7-9');
    expect(indexRanges([1, 3, 5])).toBe('1, 3, 5');
  });
});
