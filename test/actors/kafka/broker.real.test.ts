// kafka.* over binary IPC against the real Kafka 3.9.1 broker
// (test/peers/kafka.sh start): round trips with keys and headers, SASL SCRAM
// and TLS connections from config file paths, broker-side errors, and two
// daemons sharing one consumer group.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConnectionInput } from '../../../actors/kafka/config.ts';
import type { WireRecord } from '../../../actors/kafka/handlers.ts';
import type { IpcClient } from '../../../clients/ts/ipc-client.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { codeOf } from './driver-contract.ts';
import { kcatValues, lockKafkaPeer, PEER, requireKafkaPeer, TLS_DIR } from './kafka-peer.ts';

const run = randomUUID().slice(0, 8);
const GROUP_FAST = { session_timeout: 6000, heartbeat_interval: 300 };

const connections: Record<string, KafkaConnectionInput> = {
  plain: { brokers: [PEER.plaintext], auto_create_topics_enable: true },
  strict: { brokers: [PEER.plaintext], auto_create_topics_enable: false, max_message_bytes: 4_000_000 },
  scram256: { brokers: [PEER.sasl], auto_create_topics_enable: true, sasl: { type: 'scram_sha_256', username: 'outrigger-256', password: 'secret-256' } },
  scram512: { brokers: [PEER.sasl], auto_create_topics_enable: true, sasl: { type: 'scram_sha_512', username: 'outrigger-512', password: 'secret-512' } },
  tls: { brokers: [PEER.ssl], auto_create_topics_enable: true, tls: { enabled: true, root_ca: `${TLS_DIR}/ca.pem` } },
  mtls: {
    brokers: [PEER.ssl],
    auto_create_topics_enable: true,
    tls: { enabled: true, root_ca: `${TLS_DIR}/ca.pem`, cert: `${TLS_DIR}/client.pem`, key: `${TLS_DIR}/client-key.pem` },
  },
  badpass: {
    brokers: [PEER.sasl],
    sasl: { type: 'scram_sha_256', username: 'outrigger-256', password: 'not-the-password' },
    retry: { retries: 0 },
  },
  wrongca: { brokers: [PEER.ssl], tls: { root_ca: `${TLS_DIR}/client.pem` }, retry: { retries: 0 } },
};

let release: (() => void) | undefined;
let d: TestDaemon;
let c: IpcClient;

beforeAll(async () => {
  // Lock first: while another file has the broker killed on purpose, it is down but not missing.
  release = await lockKafkaPeer();
  await requireKafkaPeer();
  d = await startTestDaemon({ kafka: { driver: 'kafkajs', connections } });
  c = d.client();
});

afterAll(async () => {
  await d?.stop();
  release?.();
});

async function receiveAll(client: IpcClient, connection: string, topic: string, want: number, ms = 20_000): Promise<WireRecord[]> {
  const got: WireRecord[] = [];
  const until = Date.now() + ms;
  while (got.length < want && Date.now() < until) {
    got.push(...((await client.call('kafka.consume.receive', { connection, topic, size: 500, max_wait_ms: 500 })) as WireRecord[]));
  }
  return got;
}

describe('kafka actor against the real broker', () => {
  it('round-trips keys, string and binary headers and timestamps over IPC; kcat reads the same topic', async () => {
    const topic = `ipc-roundtrip-${run}`;
    const bin = Buffer.from([0, 1, 254, 255]).toString('base64');
    const sync = (await c.call('kafka.produce', {
      connection: 'plain',
      topic,
      key: 'user-1',
      value: 'first',
      headers: { source: 'php-app', blob: { base64: bin } },
      timestamp: 1_700_000_000_000,
      sync_mode: true,
    })) as { partition: number; offset: number };
    expect(sync).toEqual({ topic, partition: 0, offset: 0 });
    for (let i = 0; i < 20; i++) expect(await c.call('kafka.produce', { connection: 'plain', topic, key: `k${i}`, value: `async-${i}` })).toEqual({ accepted: true });
    await c.call('kafka.consume.init', { connection: 'plain', group_options: { group_id: `g-${topic}`, ...GROUP_FAST }, consume_options: { topics: [topic], offset: 'AtStart' } });
    const got = await receiveAll(c, 'plain', topic, 21);
    expect(got).toHaveLength(21);
    expect(got[0]).toEqual({ topic, partition: 0, offset: 0, key: 'user-1', value: 'first', headers: { source: 'php-app', blob: { base64: bin } }, timestamp: 1_700_000_000_000 });
    expect(got.slice(1).map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => `async-${i}`));
    expect(await c.call('kafka.consume.ack', { connection: 'plain', topic })).toMatchObject({ acked: 21, committed: [{ topic, partition: 0, offset: 21 }] });
    expect(kcatValues(topic)).toEqual(['first', ...Array.from({ length: 20 }, (_, i) => `async-${i}`)]);
    await c.call('kafka.consume.close', { connection: 'plain' });
  });

  it('multi-record produce: async and sync calls with keys and headers land in call order per partition and call; sync answers every offset', async () => {
    const topic = `ipc-many-${run}`;
    const conf = { kafka: { driver: 'kafkajs' as const, connections: { many: { brokers: [PEER.plaintext], topics: { [topic]: { partitions: 3 } } } } } };
    const m = await startTestDaemon(conf);
    try {
      const cm = m.client();
      const bin = Buffer.from([0, 255, 7]).toString('base64');
      const asyncCall = Array.from({ length: 300 }, (_, i) => ({ key: `user-${i % 11}`, value: `a-${i}`, headers: { seq: String(i), blob: { base64: bin } } }));
      expect(await cm.call('kafka.produce', { connection: 'many', topic, messages: asyncCall })).toEqual({ accepted: 300 });
      const syncCall = Array.from({ length: 200 }, (_, i) => ({ value: `s-${i}`, ...(i % 4 === 0 ? { partition: 2 } : { key: `user-${i % 11}` }), headers: [{ key: 'seq', value: String(i) }] }));
      const sync = (await cm.call('kafka.produce', { connection: 'many', topic, messages: syncCall, sync_mode: true })) as {
        topic: string;
        records: { partition: number; offset: number }[];
      };
      expect(sync.topic).toBe(topic);
      expect(sync.records).toHaveLength(200);
      syncCall.forEach((msg, i) => {
        if ('partition' in msg) expect(sync.records[i]!.partition).toBe(2);
      });
      await cm.call('kafka.consume.init', { connection: 'many', group_options: { group_id: `g-${topic}`, ...GROUP_FAST }, consume_options: { topics: [topic], offset: 'AtStart' } });
      // A rebalance under load may hand unacked records out again (at-least-once): count each offset once.
      const unique = new Map<string, WireRecord>();
      for (const until = Date.now() + 30_000; unique.size < 500 && Date.now() < until; ) {
        for (const r of await receiveAll(cm, 'many', topic, 500 - unique.size, 2000)) unique.set(`${r.partition}/${r.offset}`, r);
      }
      const got = [...unique.values()];
      expect(got).toHaveLength(500);
      await cm.call('kafka.consume.ack', { connection: 'many', topic });
      await cm.call('kafka.consume.close', { connection: 'many' });
      const byValue = new Map(got.map((r) => [r.value as string, r]));
      // Every sync offset is where the record really is; a key always lands on one partition.
      syncCall.forEach((msg, i) => expect(byValue.get(msg.value)).toMatchObject({ partition: sync.records[i]!.partition, offset: sync.records[i]!.offset, headers: { seq: String(i) } }));
      asyncCall.forEach((msg, i) => expect(byValue.get(msg.value)).toMatchObject({ key: msg.key, headers: { seq: String(i), blob: { base64: bin } } }));
      const partitionOfKey = new Map<string, number>();
      for (const r of got) {
        if (r.key === null) continue;
        const k = r.key as string;
        expect(partitionOfKey.get(k) ?? r.partition, k).toBe(r.partition);
        partitionOfKey.set(k, r.partition);
      }
      // Per partition: offsets contiguous, and each call's records in call order. The two calls may
      // interleave: the async records were only accepted when the sync call began, and on a new
      // topic their first request can be retried (leader not yet elected) after the sync request landed.
      for (const partition of [0, 1, 2]) {
        const inPartition = got.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset);
        expect(inPartition.map((r) => r.offset)).toEqual(inPartition.map((_, j) => j));
        const values = inPartition.map((r) => r.value as string);
        for (const call of [asyncCall, syncCall]) {
          const mine = new Set(call.map((x) => x.value));
          expect(values.filter((v) => mine.has(v))).toEqual(call.map((x) => x.value).filter((v) => values.includes(v)));
        }
      }
      expect(kcatValues(topic).sort()).toEqual([...asyncCall, ...syncCall].map((x) => x.value).sort());
    } finally {
      await m.stop();
    }
  });

  it('multi-record sync produce: one record for a missing partition fails alone (KAFKA_BATCH_PARTIAL), the rest are written', async () => {
    const topic = `ipc-many-partial-${run}`;
    await c.call('kafka.produce', { connection: 'plain', topic, value: 'create', sync_mode: true });
    const err = (await c
      .call('kafka.produce', { connection: 'plain', topic, messages: [{ value: 'one' }, { value: 'bad', partition: 7 }, { value: 'two' }], sync_mode: true })
      .catch((e: Error) => e)) as { code: string; message: string; data: { acknowledged: { index: number; offset: number }[]; failed: { code: string; indexes: number[] }[] } };
    expect(err.code).toBe('KAFKA_BATCH_PARTIAL');
    expect(err.message).toContain('messages[1]: KAFKA_UNKNOWN_PARTITION');
    expect(err.data.acknowledged.map((a) => a.index)).toEqual([0, 2]);
    expect(err.data.failed).toMatchObject([{ code: 'KAFKA_UNKNOWN_PARTITION', indexes: [1] }]);
    expect(kcatValues(topic)).toEqual(['create', 'one', 'two']);
    const none = (await c.call('kafka.produce', { connection: 'strict', topic: `many-missing-${run}`, messages: [{ value: 'x' }, { value: 'y' }], sync_mode: true }).catch((e: Error) => e)) as {
      code: string;
    };
    expect(none.code).toBe('KAFKA_UNKNOWN_TOPIC');
  });

  for (const connection of ['scram256', 'scram512', 'tls', 'mtls'] as const) {
    it(`produces and consumes over ${connection} (${connection.startsWith('scram') ? 'SASL_PLAINTEXT SCRAM' : 'SSL'} listener)`, async () => {
      const topic = `ipc-${connection}-${run}`;
      expect(await c.call('kafka.produce', { connection, topic, key: 'k', value: `via-${connection}`, headers: { h: 'v' }, sync_mode: true })).toMatchObject({ offset: 0 });
      await c.call('kafka.consume.init', { connection, group_options: { group_id: `g-${topic}`, ...GROUP_FAST }, consume_options: { topics: [topic], offset: 'AtStart' } });
      const got = await receiveAll(c, connection, topic, 1);
      expect(got.map((r) => [r.key, r.value, r.headers])).toEqual([['k', `via-${connection}`, { h: 'v' }]]);
      await c.call('kafka.consume.ack', { connection, topic });
      await c.call('kafka.consume.close', { connection });
    });
  }

  it('reports a wrong SCRAM password and a TLS certificate it cannot verify as KAFKA_AUTH_FAILED, without the secret', async () => {
    const auth = (await c.call('kafka.produce', { connection: 'badpass', topic: 'x', value: 'x', sync_mode: true }).catch((e: Error) => e)) as Error & { code: string };
    expect(auth.code).toBe('KAFKA_AUTH_FAILED');
    expect(auth.message).not.toContain('not-the-password');
    expect(await codeOf(c.call('kafka.produce', { connection: 'wrongca', topic: 'x', value: 'x', sync_mode: true }))).toBe('KAFKA_AUTH_FAILED');
    // The good connections are untouched.
    expect(await c.call('kafka.produce', { connection: 'plain', topic: `ipc-after-auth-${run}`, value: 'ok', sync_mode: true })).toMatchObject({ offset: 0 });
  });

  it('maps broker refusals to codes: unknown topic with auto-create off, a record over the broker limit', async () => {
    expect(await codeOf(c.call('kafka.produce', { connection: 'strict', topic: `missing-${run}`, value: 'x', sync_mode: true }))).toBe('KAFKA_UNKNOWN_TOPIC');
    // The connection allows 4 MB, the broker's message.max.bytes is 1 MiB: the broker refuses it.
    await c.call('kafka.produce', { connection: 'plain', topic: `big-${run}`, value: 'small', sync_mode: true });
    const big = (await c.call('kafka.produce', { connection: 'strict', topic: `big-${run}`, value: 'x'.repeat(1_500_000), sync_mode: true }).catch((e: Error) => e)) as {
      code: string;
      data: { type?: string };
    };
    expect(big.code).toBe('KAFKA_MESSAGE_TOO_LARGE');
    expect(big.data.type).toBe('MESSAGE_TOO_LARGE');
    expect(await codeOf(c.call('kafka.produce', { connection: 'plain', topic: `big-${run}`, partition: 5, value: 'x', sync_mode: true }))).toBe('KAFKA_UNKNOWN_PARTITION');
    expect(kcatValues(`big-${run}`)).toEqual(['small']);
  });
});

describe('two daemons in one consumer group', () => {
  it('split the partitions and together consume every record once', async () => {
    const topic = `two-daemons-${run}`;
    const conf = { kafka: { driver: 'kafkajs' as const, connections: { main: { brokers: [PEER.plaintext], topics: { [topic]: { partitions: 4 } } } } } };
    const a = await startTestDaemon(conf);
    const b = await startTestDaemon(conf);
    try {
      const ca = a.client();
      const cb = b.client();
      const init = { connection: 'main', group_options: { group_id: `g-${topic}`, ...GROUP_FAST }, consume_options: { topics: [topic], offset: 'AtStart' } };
      await ca.call('kafka.consume.init', init);
      await cb.call('kafka.consume.init', init);
      const owned = async (client: IpcClient): Promise<number[]> => {
        const s = (await client.call('kafka.stats', { connection: 'main' })) as { consumers: { partitions: { partition: number }[]; rebalancing: boolean }[] };
        return s.consumers[0]!.rebalancing ? [] : s.consumers[0]!.partitions.map((p) => p.partition);
      };
      let pa: number[] = [];
      let pb: number[] = [];
      for (const until = Date.now() + 30_000; Date.now() < until; ) {
        [pa, pb] = await Promise.all([owned(ca), owned(cb)]);
        if (pa.length === 2 && pb.length === 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect([...pa, ...pb].sort()).toEqual([0, 1, 2, 3]);
      const total = 400;
      await Promise.all(Array.from({ length: total }, (_, i) => ca.call('kafka.produce', { connection: 'main', topic, key: `key-${i}`, value: String(i), sync_mode: i % 50 === 0 })));
      const seenA: WireRecord[] = [];
      const seenB: WireRecord[] = [];
      const drain = async (client: IpcClient, into: WireRecord[]): Promise<void> => {
        const got = (await client.call('kafka.consume.receive', { connection: 'main', topic, size: 100, max_wait_ms: 200 })) as WireRecord[];
        into.push(...got);
        if (got.length > 0) await client.call('kafka.consume.ack', { connection: 'main', topic });
      };
      for (const until = Date.now() + 30_000; seenA.length + seenB.length < total && Date.now() < until; ) {
        await Promise.all([drain(ca, seenA), drain(cb, seenB)]);
      }
      const values = [...seenA, ...seenB].map((r) => Number(r.value)).sort((x, y) => x - y);
      expect(values).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(seenA.every((r) => pa.includes(r.partition))).toBe(true);
      expect(seenB.every((r) => pb.includes(r.partition))).toBe(true);
      expect(seenA.length).toBeGreaterThan(0);
      expect(seenB.length).toBeGreaterThan(0);
      await Promise.all([ca.call('kafka.consume.close', { connection: 'main' }), cb.call('kafka.consume.close', { connection: 'main' })]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('rebalance', () => {
  it('hands the records a member received but never acknowledged to the partition\'s next owner; acknowledged ones stay done', async () => {
    const topic = `rebalance-${run}`;
    const conf = { kafka: { driver: 'kafkajs' as const, connections: { main: { brokers: [PEER.plaintext], topics: { [topic]: { partitions: 2 } } } } } };
    const init = { connection: 'main', group_options: { group_id: `g-${topic}`, ...GROUP_FAST }, consume_options: { topics: [topic], offset: 'AtStart' } };
    const a = await startTestDaemon(conf);
    const b = await startTestDaemon(conf);
    try {
      const ca = a.client();
      const cb = b.client();
      await ca.call('kafka.consume.init', init);
      for (let i = 0; i < 20; i++) await ca.call('kafka.produce', { connection: 'main', topic, partition: i % 2, value: `r${i}`, sync_mode: true });
      const inHand = await receiveAll(ca, 'main', topic, 20);
      expect(inHand).toHaveLength(20);
      // A finishes partition 0 only; partition 1's ten records stay received-but-unacknowledged.
      await ca.call('kafka.consume.ack', { connection: 'main', topic, records: inHand.filter((r) => r.partition === 0).map((r) => ({ partition: 0, offset: r.offset })) });
      await cb.call('kafka.consume.init', init); // rebalance: one partition moves to B
      await ca.call('kafka.consume.close', { connection: 'main' }); // and then the other one
      const got = await receiveAll(cb, 'main', topic, 10);
      await new Promise((r) => setTimeout(r, 500));
      got.push(...((await cb.call('kafka.consume.receive', { connection: 'main', topic, size: 100, max_wait_ms: 200 })) as WireRecord[]));
      expect(got.map((r) => r.value).sort()).toEqual(inHand.filter((r) => r.partition === 1).map((r) => r.value).sort());
      await cb.call('kafka.consume.close', { connection: 'main' });
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('graceful daemon stop', () => {
  it('delivers lingering async records and commits acknowledged offsets before the daemon exits', async () => {
    const topic = `graceful-${run}`;
    const conf = {
      kafka: {
        driver: 'kafkajs' as const,
        producer: { lingerMs: 10_000 },
        connections: { main: { brokers: [PEER.plaintext], topics: { [topic]: { partitions: 1 } } } },
      },
    };
    const init = { connection: 'main', group_options: { group_id: `g-${topic}`, ...GROUP_FAST }, consume_options: { topics: [topic], offset: 'AtStart' } };
    const a = await startTestDaemon(conf);
    const ca = a.client();
    for (let i = 0; i < 5; i++) await ca.call('kafka.produce', { connection: 'main', topic, value: `sync-${i}`, sync_mode: true });
    await ca.call('kafka.consume.init', init);
    expect(await receiveAll(ca, 'main', topic, 5)).toHaveLength(5);
    await ca.call('kafka.consume.ack', { connection: 'main', topic, records: [0, 1, 2].map((offset) => ({ partition: 0, offset })) });
    for (let i = 0; i < 10; i++) await ca.call('kafka.produce', { connection: 'main', topic, value: `async-${i}` });
    await a.stop(); // the linger is 10 s: only the shutdown flush can have sent these
    expect(kcatValues(topic)).toHaveLength(15);

    const b = await startTestDaemon(conf);
    try {
      const cb = b.client();
      await cb.call('kafka.consume.init', init);
      const rest = await receiveAll(cb, 'main', topic, 12);
      expect(rest.map((r) => r.offset)).toEqual(Array.from({ length: 12 }, (_, i) => i + 3));
    } finally {
      await b.stop();
    }
  });
});
