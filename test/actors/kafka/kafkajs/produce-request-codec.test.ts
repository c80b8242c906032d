// The one-pass produce encoder against kafkajs 2.2.4's own produce/v3 request
// encoder: identical bytes for seeded random requests (keys, values and
// headers as Buffers, UTF-8 strings and nulls; stamped and unstamped records;
// several topics and partitions; transactional and idempotent fields).
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  encodeProduceRequest,
  type ProduceBytes,
  type ProduceMessage,
  type ProduceRequestData,
} from '../../../../actors/kafka/kafkajs/produce-request-codec.ts';
import { prng, randomBytes } from '../../../helpers/prng.ts';

const require = createRequire(import.meta.url);
type Factory = (args: ProduceRequestData) => { encode(): Promise<{ buffer: Buffer }> };
// Loaded from its own file path (not through require.cache's possibly swapped export) for the reference bytes.
const kafkajsV3 = (() => {
  const path = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
  const cached = require.cache[path];
  delete require.cache[path];
  const f = require(path) as Factory;
  if (cached) require.cache[path] = cached;
  return f;
})();
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: bigint): { value: bigint } };

const NOW = 1_763_769_600_123;

function bytes(rand: () => number, maxLen: number): ProduceBytes {
  const r = rand();
  const len = Math.floor(rand() * maxLen);
  if (r < 0.15) return null;
  if (r < 0.5) return randomBytes(rand, len);
  const chars = ['a', 'é', '中', '😀', '\u0000', 'z'];
  return Array.from({ length: len }, () => chars[Math.floor(rand() * chars.length)]).join('');
}

function message(rand: () => number, stamped: boolean): ProduceMessage {
  const big = rand() < 0.05;
  const m: ProduceMessage = { key: bytes(rand, 40), value: bytes(rand, big ? 20_000 : 300) ?? null };
  if (rand() < 0.4) {
    const headers: NonNullable<ProduceMessage['headers']> = {};
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) {
      const v = (): Buffer | string => (rand() < 0.5 ? randomBytes(rand, Math.floor(rand() * 30)) : `v${Math.floor(rand() * 1e6)}é`);
      headers[`h${i}-${Math.floor(rand() * 10)}`] = rand() < 0.3 ? [v(), v()] : v();
    }
    m.headers = headers;
  }
  if (stamped && rand() < 0.7) m.timestamp = String(NOW + Math.floor((rand() - 0.7) * 5_000_000));
  return m;
}

function request(rand: () => number): ProduceRequestData {
  const stamped = rand() < 0.5;
  const txn = rand() < 0.2;
  return {
    acks: rand() < 0.8 ? -1 : 1,
    timeout: Math.floor(rand() * 60_000),
    transactionalId: txn ? `tx-${Math.floor(rand() * 1e6)}` : null,
    ...(txn || rand() < 0.3 ? { producerId: Long.fromValue(BigInt(Math.floor(rand() * 1e12))), producerEpoch: Math.floor(rand() * 100) } : {}),
    topicData: Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, t) => ({
      topic: `topic-${t}-${Math.floor(rand() * 1e6)}`,
      partitions: Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, p) => ({
        partition: p * 3 + Math.floor(rand() * 3),
        ...(rand() < 0.3 ? { firstSequence: Math.floor(rand() * 1e6) } : {}),
        messages: Array.from({ length: 1 + Math.floor(rand() * (rand() < 0.1 ? 400 : 20)) }, () => message(rand, stamped)),
      })),
    })),
  };
}

describe('encodeProduceRequest', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => vi.useRealTimers());

  it('writes the bytes kafkajs writes, for 300 seeded random requests', async () => {
    const rand = prng(4);
    for (let n = 0; n < 300; n++) {
      const req = request(rand);
      const expected = (await kafkajsV3(req).encode()).buffer;
      const actual = encodeProduceRequest(req, NOW);
      if (!actual.equals(expected)) expect({ n, actual: actual.toString('hex') }).toEqual({ n, actual: expected.toString('hex') });
    }
  });

  it('keeps kafkajs defaults: no producer id is -1, no sequence is 0, unstamped records get now', async () => {
    const req: ProduceRequestData = { acks: -1, timeout: 30_000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: 'x' }, { value: null, key: null }] }] }] };
    expect(encodeProduceRequest(req, NOW).equals((await kafkajsV3(req).encode()).buffer)).toBe(true);
  });
});
