// The produce encoder swap counts records a produce request carries again
// (kafkajs resending after a timeout, a lost connection or "not the leader"),
// per connection, through the counter each message names.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { installProduceEncoder, type ResendCounter } from '../../../../actors/kafka/kafkajs/produce-encoder.ts';
import type { ProduceRequestData } from '../../../../actors/kafka/kafkajs/produce-request-codec.ts';

const require = createRequire(import.meta.url);

describe('installProduceEncoder', () => {
  it('counts the records of every partition group encoded a second time, on the counter their messages name', () => {
    installProduceEncoder();
    const factory = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: ProduceRequestData) => unknown;
    const a: ResendCounter = { resent: 0 };
    const b: ResendCounter = { resent: 0 };
    const msg = (value: string, counter: ResendCounter | null): Record<string, unknown> => ({ key: null, value, headers: undefined, timestamp: undefined, counter, sent: false });
    const p0 = [msg('x', a), msg('y', a), msg('z', a)];
    const p1 = [msg('q', b)];
    const untracked = [msg('u', null)];
    const request = (partitions: { partition: number; messages: Record<string, unknown>[] }[]): ProduceRequestData =>
      ({ acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions }] }) as unknown as ProduceRequestData;

    factory(request([{ partition: 0, messages: p0 }, { partition: 1, messages: p1 }, { partition: 2, messages: untracked }]));
    expect([a.resent, b.resent]).toEqual([0, 0]);
    // kafkajs retries: the partitions whose leader failed go again, each as a whole.
    factory(request([{ partition: 0, messages: p0 }, { partition: 2, messages: untracked }]));
    expect([a.resent, b.resent]).toEqual([3, 0]);
    factory(request([{ partition: 0, messages: p0 }, { partition: 1, messages: p1 }]));
    expect([a.resent, b.resent]).toEqual([6, 1]);
  });
});
