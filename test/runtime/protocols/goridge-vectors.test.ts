import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoridgeClient } from '../../../clients/ts/goridge-client.ts';
import { encodeGoridgeRequest } from '../../../runtime/codec/goridge.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

/*
 * Replays every captured client->server vector of test/fixtures/goridge-vectors.json
 * through the live listener, against the `App` service the captures were made
 * with (test/fixtures/actors/goridge-app.ts), and compares the reply with the
 * captured Go reply byte for byte. Where Outrigger knowingly differs from Go
 * the difference is listed in DIFFERS with the reason, and still checked.
 */

interface Vector {
  name: string;
  hex: string;
  direction: 'client->server' | 'server->client';
  transport: string;
  header: { flags: string; options: number[] };
  rpc?: { seq: number; method: string; body_hex: string } | null;
}

const vectors = (
  JSON.parse(readFileSync(new URL('../../fixtures/goridge-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }
).vectors;
const byName = new Map(vectors.map((v) => [v.name, v]));
const hex = (name: string): Buffer => Buffer.from(byName.get(name)!.hex, 'hex');

/** Request vector -> the captured Go reply it must reproduce. */
const REPLY_OF: Record<string, string> = {
  'php-json-App.Init-seq1-request': 'go-json-true-seq1-response',
  'php-json-App.Kafka-jsonstring-seq2-request': 'go-json-true-seq2-response',
  'php-json-App.Fail-seq4-request': 'go-error-service-seq4-response',
  'php-raw-seq7-request': 'go-raw-seq7-response',
  'php-msgpack-seq8-request': 'go-msgpack-seq8-response',
  'php-msgpack-map-seq9-request': 'go-msgpack-struct-seq9-response',
  'php-json-object-seq10-request': 'go-json-struct-seq10-response',
  'php-json-prefix-escaping-seq11-request': 'go-json-unescaped-seq11-response',
  'php-json-no-dot-seq13-request': 'go-error-ill-formed-seq13-response',
  'php-raw-empty-seq14-request': 'go-raw-empty-seq14-response',
  'php-json-App.Kafka-string-seq1-request': 'go-json-true-App.Kafka-seq1-response',
  'php-msgpack-App.Kafka-seq2-request': 'go-msgpack-true-seq2-response',
  'php-raw-App.Kafka-seq3-request': 'go-error-raw-reply-type-seq3-response',
  'php-proto-seq1-request': 'go-error-proto-seq1-response',
  'goclient-gob-seq0-request': 'go-gob-seq0-response',
  'probe-no-codec-flag-request': 'probe-no-codec-flag-reply',
};

/** Requests whose Go reply was not captured: the reply Go's App service gives (method, JSON body). */
const DERIVED: Record<string, { seq: number; method: string; body: string }> = {
  'php-json-array-seq3-request': { seq: 3, method: 'App.Init', body: 'true' },
  'php-json-null-seq12-request': { seq: 12, method: 'App.Init', body: 'true' },
  'php-multirpc-conn1-seq1-request': { seq: 1, method: 'App.Echo', body: '"one"' },
  'php-multirpc-conn2-seq2-request': { seq: 2, method: 'App.Echo', body: '"two"' },
  'php-json-App.Init-seq1-unix-request': { seq: 1, method: 'App.Init', body: 'true' },
};

/** Where the reply deliberately differs from Go's: flags, seq and method still match; the text is ours. */
const DIFFERS: Record<string, { text: string; why: string }> = {
  'php-proto-seq1-request': {
    text: 'UNSUPPORTED_CODEC: protobuf bodies are not supported (App.EchoRaw); call with the JSON, msgpack, raw or gob codec',
    why: 'protobuf bodies are refused with a coded error (no proto schemas for actor methods)',
  },
};

const NOT_REPLAYED: Record<string, string> = {
  'php-json-App.Init-seq1-pipes-request': 'pipes transport: the RPC listener serves TCP and unix sockets, as RoadRunner does',
  'probe-pipelined-slow-seq1-request': 'replayed together with the fast one below',
  'probe-pipelined-fast-seq2-request': 'replayed together with the slow one below',
  'probe-no-options-request': 'malformed: the connection-close test below',
  'probe-bad-crc-request': 'malformed: the connection-close test below',
  'probe-three-options-request': 'malformed: the connection-close test below',
};

function goReply(seq: number, method: string, flags: number, body: string): Buffer {
  return encodeGoridgeRequest(seq, method, flags, Buffer.from(body));
}

describe('Goridge listener replays the captured vectors', () => {
  let d: TestDaemon;
  let tcp: string;
  let unix: string;
  const clients: GoridgeClient[] = [];
  const client = async (address = tcp): Promise<GoridgeClient> => {
    const c = new GoridgeClient({ address, record: true });
    clients.push(c);
    await c.connected();
    return c;
  };

  beforeAll(async () => {
    d = await startTestDaemon(
      {
        listeners: { goridge: { tcp: { host: '127.0.0.1', port: 0 }, unix: { path: 'goridge.sock' } } },
        app: { enabled: false }, actors: { app: { module: './test/fixtures/actors/goridge-app.ts' } },
      },
    );
    const l = d.daemon.listeners.find((x) => x.name === 'goridge')!;
    tcp = `tcp://127.0.0.1:${l.tcpPort}`;
    unix = `unix://${join(d.runDir, 'goridge.sock')}`;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await d.stop();
  });

  it('classifies every client->server vector', () => {
    for (const v of vectors.filter((x) => x.direction === 'client->server')) {
      const known = v.name in REPLY_OF || v.name in DERIVED || v.name in NOT_REPLAYED;
      expect(known, v.name).toBe(true);
    }
  });

  it.each(Object.entries(REPLY_OF))('%s -> %s', async (req, rep) => {
    const c = await client(byName.get(req)!.transport === 'unix' ? unix : tcp);
    const seq = byName.get(req)!.rpc!.seq;
    const reply = await c.send(hex(req), seq);
    const expected = hex(rep);
    const differs = DIFFERS[req];
    if (!differs) {
      // The whole frame as received, header and CRC included.
      expect(c.received().toString('hex')).toBe(expected.toString('hex'));
    } else {
      expect(reply.flags).toBe(expected[1]);
      expect(reply.seq).toBe(seq);
      expect(reply.method).toBe(byName.get(rep)!.rpc!.method);
      expect(reply.body.toString()).toBe(differs.text);
    }
  });

  it.each(Object.entries(DERIVED))('%s -> Go App service reply', async (req, want) => {
    const c = await client(byName.get(req)!.transport === 'unix' ? unix : tcp);
    await c.send(hex(req), want.seq);
    expect(c.received().toString('hex')).toBe(goReply(want.seq, want.method, 0x08, want.body).toString('hex'));
  });

  it('answers a pipelined fast call before the slow one, by seq (probe-pipelined-*)', async () => {
    const c = await client();
    const slow = c.send(hex('probe-pipelined-slow-seq1-request'), 1);
    const fast = c.send(hex('probe-pipelined-fast-seq2-request'), 2);
    await Promise.all([slow, fast]);
    expect(c.arrivals).toEqual([2, 1]);
    expect(c.received()).toEqual(Buffer.concat([hex('probe-pipelined-first-reply-seq2'), hex('probe-pipelined-second-reply-seq1')]));
  });

  it('round-trips seq 0xFFFFFFFF and answers an empty JSON body with the zero value (probe-seq-max, probe-empty)', async () => {
    const c = await client();
    await c.call('App.Echo', Buffer.from('"x"'), 0x08, 0xffffffff);
    await c.call('App.Echo', Buffer.alloc(0), 0x08, 1);
    expect(c.received()).toEqual(Buffer.concat([hex('probe-seq-max-reply'), hex('probe-empty-json-body-reply')]));
  });

  it('answers bad JSON with a coded 0x48 error and keeps the connection (probe-bad-json-reply)', async () => {
    const c = await client();
    const bad = await c.call('App.Echo', Buffer.from('{nope'), 0x08, 1);
    expect(bad.flags).toBe(0x48);
    expect(bad.method).toBe('App.Echo');
    expect(bad.body.toString()).toMatch(/^MALFORMED_JSON: cannot decode json body: /);
    const next = await c.call('App.Echo', Buffer.from('"again"'), 0x08, 2);
    expect(next.body.toString()).toBe('"again"');
  });

  it('answers unknown method and unknown service with net/rpc text, connection kept (seq 5, 6 vectors)', async () => {
    const c = await client();
    await c.call('App.Nope', Buffer.from('"x"'), 0x08, 5);
    await c.call('Nope.Init', Buffer.from('"x"'), 0x08, 6);
    await c.call('App.Fail', Buffer.from([0x05, 0x0c, 0x00, 0x02, 0x68, 0x69]), 0x20, 1);
    expect(c.received()).toEqual(
      Buffer.concat([
        hex('go-error-unknown-method-seq5-response'),
        hex('go-error-unknown-service-seq6-response'),
        hex('go-error-gob-seq1-response'),
      ]),
    );
  });

  it.each(['probe-no-options-request', 'probe-bad-crc-request', 'probe-three-options-request'])(
    '%s closes the connection without a reply; other connections are untouched',
    async (name) => {
      const bystander = await client();
      const c = await client();
      c.writeRaw(hex(name));
      await c.closed;
      expect(c.arrivals).toEqual([]);
      const r = await bystander.call('App.Echo', Buffer.from('"still here"'));
      expect(r.body.toString()).toBe('"still here"');
    },
  );
});
