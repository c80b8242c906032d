// Puts encodeProduceRequest in place of kafkajs' produce request encoder, in
// the process that calls installProduceEncoder (the Kafka actor's worker).
// kafkajs resolves produce v4–v7 through v3's module (each wraps the one
// before), so swapping v3's export before any of them is loaded changes every
// version. Compressed batches keep kafkajs' own encoder. The package itself is
// left alone: the bench's raw-kafkajs baseline runs stock kafkajs.
import { createRequire } from 'node:module';
import { encodeProduceRequest, type ProduceRequestData } from './produce-request-codec.ts';

const require = createRequire(import.meta.url);

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse: () => boolean;
  encode: () => Promise<unknown>;
}
type RequestFactory = (args: ProduceRequestData & { compression?: number }) => KafkajsRequest;
interface KafkajsEncoder {
  writeBuffer(b: Buffer): KafkajsEncoder;
}

const V3 = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
const LATER = [4, 5, 6, 7].map((v) => require.resolve(`kafkajs/src/protocol/requests/produce/v${v}/request.js`));
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => KafkajsEncoder;

/** Whether produce requests use encodeProduceRequest; the bench turns it off to measure stock kafkajs in one process. */
export const produceEncoder = { enabled: true };

/** Where a connection counts the records its produce requests carried more than once. */
export interface ResendCounter {
  resent: number;
}

/**
 * A message the Kafka actor hands to kafkajs: it names its connection's
 * counter, and `sent` turns true once a produce request carrying it was
 * encoded. Every message has these fields from the start (one object shape).
 */
export interface TrackedMessage {
  counter: ResendCounter | null;
  sent: boolean;
}

/**
 * Counts records kafkajs sends again: it resends a whole request to a partition's leader after a
 * timeout, a lost connection or "not the leader", and its first copy may already be in the log.
 * A partition's records always travel together, so its first record stands for the group.
 */
function countResends(args: ProduceRequestData): void {
  for (const t of args.topicData) {
    for (const p of t.partitions) {
      const first = p.messages[0] as Partial<TrackedMessage> | undefined;
      if (!first?.counter) continue;
      if (first.sent) first.counter.resent += p.messages.length;
      else first.sent = true;
    }
  }
}

let installed = false;

export function installProduceEncoder(): void {
  if (installed) return;
  const original = require(V3) as RequestFactory;
  if (LATER.some((p) => require.cache[p] !== undefined)) {
    throw new Error('kafkajs produce requests v4+ were loaded before installProduceEncoder; install it before the first produce');
  }
  const fast: RequestFactory = (args) => {
    countResends(args);
    const request = original(args);
    if (!produceEncoder.enabled || (args.compression ?? 0) !== 0) return request;
    return {
      ...request,
      encode: () => {
        const body = encodeProduceRequest(args, Date.now());
        // Sized up front: an Encoder grows by zero-filled doubling otherwise.
        return Promise.resolve(new Encoder(body.length).writeBuffer(body));
      },
    };
  };
  require.cache[V3]!.exports = fast;
  installed = true;
}
