import { join } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoridgeClient } from '../../../clients/ts/goridge-client.ts';
import { decodeGob, encodeGob } from '../../../runtime/codec/gob.ts';
import { encodeGoridgeRequest } from '../../../runtime/codec/goridge.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { prng } from '../../helpers/prng.ts';

const JSON_FLAG = 0x08;
const MSGPACK = 0x10;
const RAW = 0x04;
const GOB = 0x20;
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('Goridge listener', () => {
  let d: TestDaemon;
  let tcp: string;
  let unix: string;
  const clients: GoridgeClient[] = [];
  const client = async (address = tcp): Promise<GoridgeClient> => {
    const c = new GoridgeClient({ address });
    clients.push(c);
    await c.connected();
    return c;
  };

  beforeAll(async () => {
    d = await startTestDaemon(
      {
        listeners: { goridge: { tcp: { host: '127.0.0.1', port: 0 }, unix: { path: 'goridge.sock' }, maxFrameBytes: 4096 } },
        requests: { methodTimeoutsMs: { 'app.sleep': 200 } },
        app: { enabled: false },
        actors: {
          app: { module: './test/fixtures/actors/goridge-app.ts', workers: 2 },
          'my-queue': { module: './test/fixtures/actors/dotted.ts' },
        },
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

  it('reaches every actor method by its Goridge names, main-thread methods too', async () => {
    const c = await client();
    expect((await c.call('Sys.Echo', json({ a: 1 }))).body.toString()).toBe('{"a":1}');
    expect((await c.call('sys.echo', json('x'))).body.toString()).toBe('"x"');
    expect((await c.call('Sys.Ping', Buffer.alloc(0))).body.toString()).toBe('"pong"');
    // sys.stats is admin-class: refused over TCP, answered over the unix socket (docs/security.md).
    expect((await c.call('Sys.Stats', Buffer.alloc(0))).body.toString()).toMatch(/^FORBIDDEN: /);
    const local = await client(unix);
    const stats = JSON.parse((await local.call('Sys.Stats', Buffer.alloc(0))).body.toString()) as { pid: number };
    expect(stats.pid).toBe(process.pid);
    for (const name of ['MyQueue.Consume.Receive', 'MyQueue.ConsumeReceive', 'my-queue.consume.receive']) {
      const r = await c.call(name, json(7));
      expect(r.method).toBe(name);
      expect(JSON.parse(r.body.toString())).toEqual({ method: 'consume.receive', params: 7 });
    }
    expect(JSON.parse((await c.call('MyQueue.PushBack', json(1))).body.toString()).method).toBe('pushBack');
    const miss = await c.call('MyQueue.Consume.Nope', json(1));
    expect(miss.body.toString()).toBe("rpc: can't find method MyQueue.Consume.Nope");
  });

  it('speaks JSON, msgpack, raw and gob, replying in the request codec', async () => {
    const c = await client(unix);
    const m = await c.call('Sys.Echo', pack({ list: [1, 'two', null], nested: { ok: true } }), MSGPACK);
    expect(m.flags).toBe(MSGPACK);
    expect(unpack(m.body)).toEqual({ list: [1, 'two', null], nested: { ok: true } });
    const raw = await c.call('Sys.Echo', Buffer.from([0, 1, 2, 255]), RAW);
    expect(raw.flags).toBe(RAW);
    expect([...raw.body]).toEqual([0, 1, 2, 255]);
    const gob = await c.call('Sys.Echo', encodeGob({ k: 'v', n: 'm' }), GOB);
    expect(gob.flags).toBe(GOB);
    const back = decodeGob(gob.body);
    expect(back.ok && back.value).toEqual({ k: 'v', n: 'm' });
    const nothing = await c.call('Sys.Echo', Buffer.alloc(0), GOB);
    expect(nothing.body.length).toBe(0); // nil reply: empty body, as goridge skips decoding it
  });

  it('answers handler errors as CODE: message (bare message for uncoded errors) and a data line, connection kept', async () => {
    const c = await client();
    const fail = await c.call('App.Fail', json('x'));
    expect(fail.flags).toBe(0x48);
    expect(fail.body.toString()).toBe('kafka: broker unavailable');
    // An error's data follows as a JSON line, for every codec.
    for (const codec of [JSON_FLAG, MSGPACK, GOB]) {
      const withData = await c.call('App.FailData', Buffer.alloc(0), codec);
      expect(withData.flags).toBe(codec | 0x40);
      expect(withData.body.toString()).toBe(
        'KAFKA_UNKNOWN_PARTITION: partition 7 of topic orders does not exist\ndata: {"topic":"orders","partition":7,"partitions":3}',
      );
      expect(withData.error).toEqual({
        code: 'KAFKA_UNKNOWN_PARTITION',
        message: 'partition 7 of topic orders does not exist',
        data: { topic: 'orders', partition: 7, partitions: 3 },
      });
    }
    const timeout = await c.call('App.Sleep', json(1000));
    expect(timeout.body.toString()).toMatch(/^TIMEOUT: request 'app.sleep' timed out after 200 ms$/);
    const raw = await c.call('App.Init', Buffer.from('x'), RAW);
    expect([raw.flags, raw.body.toString()]).toEqual([0x44, 'unknown Raw payload type']);
    const multi = await c.call('Sys.Echo', Buffer.from('"x"'), RAW | GOB);
    expect(multi.flags).toBe(RAW | 0x40);
    expect(multi.body.toString()).toMatch(/^UNSUPPORTED_CODEC: frame flags 0x24 set several codec bits/);
    expect((await c.call('Sys.Echo', json('alive'))).body.toString()).toBe('"alive"');
  });

  it('serves many one-call connections at once (the PHP-FPM pattern)', async () => {
    const conns = await Promise.all(Array.from({ length: 64 }, () => client()));
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(conns.map((c, i) => c.call('Sys.Echo', json(`c${i}r${round}`))));
      replies.forEach((r, i) => expect(r.body.toString()).toBe(`"c${i}r${round}"`));
    }
    for (const c of conns) c.close();
  });

  it('answers hundreds of pipelined calls on one connection, each by its seq, even when seqs repeat', async () => {
    const c = await client();
    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => c.call('Sys.Echo', json(i))));
    replies.forEach((r, i) => expect([r.seq, r.body.toString()]).toEqual([i + 1, String(i)]));
    // PHP's per-instance counters can reuse a seq; the server echoes whatever it got.
    const again = await c.call('Sys.Echo', json('dup'), JSON_FLAG, 1);
    expect([again.seq, again.body.toString()]).toEqual([1, '"dup"']);
  });

  it('refuses a payload over maxFrameBytes with a coded error carrying the seq, then closes after in-flight calls', async () => {
    const c = await client();
    const slow = c.send(encodeGoridgeRequest(1, 'App.Sleep', JSON_FLAG, json(50)), 1);
    const big = encodeGoridgeRequest(2, 'Sys.Echo', JSON_FLAG, Buffer.alloc(5000, 0x20));
    const refused = c.send(big, 2);
    const [s, r] = await Promise.all([slow, refused]);
    expect(r.isError).toBe(true);
    expect(r.body.toString()).toBe('FRAME_TOO_LARGE: payload 5008 bytes exceeds limit 4096');
    expect(s.body.toString()).toBe('true');
    await c.closed;
    expect(c.arrivals).toEqual([2, 1]);
  });

  it('survives seeded garbage and broken frames on other connections (fuzz)', async () => {
    const rnd = prng(0x9011d6e);
    const int = (n: number): number => Math.floor(rnd() * n);
    const bystander = await client();
    for (let iter = 0; iter < 60; iter++) {
      const c = await client();
      const good = encodeGoridgeRequest(1, 'Sys.Echo', JSON_FLAG, json(iter));
      const mutated = Buffer.from(good);
      for (let k = 0; k < 1 + int(4); k++) mutated[int(mutated.length)] = int(256);
      const garbage = Buffer.from(Array.from({ length: int(200) }, () => int(256)));
      const stream = [good, mutated, garbage][int(3)]!;
      c.writeRaw(stream);
      // Whatever was sent, the server either answers or closes; it never hangs the stream or crashes.
      await Promise.race([c.closed, new Promise((r) => setTimeout(r, 30))]);
      c.close();
      const r = await bystander.call('Sys.Echo', json(`ok${iter}`));
      expect(r.body.toString()).toBe(`"ok${iter}"`);
    }
  });
});

describe('Goridge listener backpressure', () => {
  it('answers BUSY past the per-connection in-flight bound in reject mode', async () => {
    const d = await startTestDaemon(
      {
        listeners: { goridge: { tcp: { host: '127.0.0.1', port: 0 } } },
        requests: { maxInflightPerConnection: 4, overflow: 'reject' },
        app: { enabled: false }, actors: { app: { module: './test/fixtures/actors/goridge-app.ts' } },
      },
    );
    try {
      const port = d.daemon.listeners.find((x) => x.name === 'goridge')!.tcpPort;
      const c = new GoridgeClient({ address: `tcp://127.0.0.1:${port}` });
      const replies = await Promise.all(Array.from({ length: 8 }, () => c.call('App.Sleep', json(500))));
      const busy = replies.filter((r) => r.body.toString().startsWith('BUSY: '));
      expect(busy).toHaveLength(4);
      expect(replies.filter((r) => r.body.toString() === 'true')).toHaveLength(4);
      c.close();
    } finally {
      await d.stop();
    }
  });
});
