import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { RawIpc } from '../../helpers/raw-ipc.ts';

const V10 = 0x0100;
const V11 = 0x0101;
const req = (o: unknown) => JSON.stringify(o);

describe('binary IPC listener', () => {
  let d: TestDaemon;
  const raws: RawIpc[] = [];
  const raw = () => {
    const r = new RawIpc(d.ipcPath);
    raws.push(r);
    return r;
  };
  beforeAll(async () => {
    d = await startTestDaemon({
      listeners: { ipc: { unix: { path: 'ipc.sock' }, maxFrameBytes: 1024 } },
      actors: { faulty: { module: './test/fixtures/actors/faulty.ts' } },
    });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await d.stop();
  });

  it('answers a v1.0 sync request with type 0x01 and a heartbeat with 0x02', async () => {
    const r = raw();
    r.send(RawIpc.frame(V10, 0x01, req({ method: 'sys.echo', params: { a: 1 } })));
    r.send(RawIpc.frame(V10, 0x02, ''));
    const f = await r.waitFor(2);
    expect(f).toContainEqual({ version: V10, type: 0x01, body: { id: null, result: { a: 1 } } });
    expect(f).toContainEqual({ version: V10, type: 0x02, body: null });
  });

  it('answers pipelined sync requests in order and async ones as they complete', async () => {
    const r = raw();
    r.send(
      Buffer.concat([
        RawIpc.frame(V10, 0x01, req({ id: 's1', method: 'faulty.sleep', params: { ms: 150 } })),
        RawIpc.frame(V10, 0x01, req({ id: 's2', method: 'sys.ping' })),
        RawIpc.frame(V11, 0x04, req({ id: 'a1', method: 'faulty.sleep', params: { ms: 100 } })),
        RawIpc.frame(V11, 0x04, req({ id: 'a2', method: 'sys.ping' })),
      ]),
    );
    const f = await r.waitFor(4);
    const order = f.map((x) => (x.body as { id: string }).id);
    expect(order.indexOf('s1')).toBeLessThan(order.indexOf('s2'));
    expect(order.indexOf('a2')).toBeLessThan(order.indexOf('a1'));
    expect(f.find((x) => (x.body as { id: string }).id === 'a1')).toMatchObject({ version: V11, type: 0x05 });
  });

  it.each([
    ['malformed JSON', V11, 0x04, '{"id":"m1","method":', 'MALFORMED_JSON', 'm1'],
    ['malformed params', V11, 0x04, '{"id":"m2","method":"sys.echo","params":{"a":}}', 'MALFORMED_JSON', 'm2'],
    ['missing method', V11, 0x04, '{"id":"m3"}', 'MISSING_METHOD', 'm3'],
    ['unknown method', V11, 0x04, '{"id":"m4","method":"nope.nope"}', 'UNKNOWN_METHOD', 'm4'],
    ['async without id', V11, 0x04, '{"method":"sys.ping"}', 'MISSING_ID', null],
    ['client sending an error frame', V11, 0x03, '{}', 'UNEXPECTED_TYPE', null],
  ])('answers %s with an error frame and keeps the connection', async (_n, version, type, payload, code, id) => {
    const r = raw();
    r.send(RawIpc.frame(version, type, payload));
    const [f] = await r.waitFor(1);
    expect(f).toMatchObject({ type: 0x03, body: { id, error: { code } } });
    r.send(RawIpc.frame(V11, 0x04, req({ id: 'after', method: 'sys.ping' })));
    const f2 = await r.waitFor(2);
    expect(f2[1]!.body).toEqual({ id: 'after', result: 'pong' });
  });

  it('refuses a duplicate in-flight id on one connection', async () => {
    const r = raw();
    r.send(RawIpc.frame(V11, 0x04, req({ id: 'dup', method: 'faulty.sleep', params: { ms: 100 } })));
    r.send(RawIpc.frame(V11, 0x04, req({ id: 'dup', method: 'sys.ping' })));
    const f = await r.waitFor(2);
    expect(f[0]!.body).toMatchObject({ id: 'dup', error: { code: 'DUPLICATE_ID' } });
    expect(f[1]!.body).toEqual({ id: 'dup', result: 'slept' });
  });

  it.each([
    ['unknown version', Buffer.from([0x02, 0x00, 0x01, 0, 0, 0, 2, 0x7b, 0x7d]), 'UNKNOWN_VERSION'],
    ['unknown type', Buffer.from([0x01, 0x00, 0x09, 0, 0, 0, 0]), 'UNKNOWN_TYPE'],
    ['length over the cap', Buffer.from([0x01, 0x00, 0x01, 0x7f, 0xff, 0xff, 0xff]), 'FRAME_TOO_LARGE'],
  ])('closes only the offending connection on %s', async (_n, bytes, code) => {
    const victim = raw();
    const bystander = d.client();
    const inflight = bystander.call('faulty.sleep', { ms: 200 });
    victim.send(bytes);
    const [f] = await victim.waitFor(1);
    expect(f).toMatchObject({ type: 0x03, body: { error: { code } } });
    await victim.waitClosed();
    await expect(inflight).resolves.toBe('slept');
    await expect(bystander.call('sys.ping')).resolves.toBe('pong');
  });
});
