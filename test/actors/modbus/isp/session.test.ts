// The ISP listener driven the way the protocol's example telnet session drives it: a
// plain TCP socket, hand-written lines, replies read line by line.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IspTestDaemon, startIspDaemon } from '../../../helpers/isp-daemon.ts';

/** A bare line-oriented TCP client: what `telnet localhost 50052` gives a person. */
class Telnet {
  readonly lines: string[] = [];
  #buf = '';
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => {
      this.#buf += s;
      let nl: number;
      while ((nl = this.#buf.indexOf('\n')) >= 0) {
        this.lines.push(this.#buf.slice(0, nl));
        this.#buf = this.#buf.slice(nl + 1);
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<Telnet> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Telnet(s)));
      s.once('error', reject);
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  send(line: string): void {
    this.socket.write(line + '\n');
  }

  /** Next line whose JSON matches `pred` (other lines, e.g. heartbeats, are kept but skipped). */
  async next(pred: (m: Record<string, unknown>) => boolean = () => true, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.lines.length; seen++) {
        const m = JSON.parse(this.lines[seen]!) as Record<string, unknown>;
        if (pred(m)) {
          this.lines.splice(seen, 1);
          return m;
        }
      }
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching line within ${timeoutMs} ms; got ${this.lines.join('\n').slice(0, 500)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  reply(id: string | undefined): Promise<Record<string, unknown>> {
    return this.next((m) => m.type === 'RESPONSE' && m.id === id);
  }

  close(): void {
    this.socket.destroy();
  }
}

type Payload = { success: boolean; error?: string; code?: string; field?: string; [k: string]: unknown };
const payload = (m: Record<string, unknown>): Payload => m.payload as Payload;

describe('ISP listener: the protocol\'s example telnet session', () => {
  let d: IspTestDaemon;
  beforeAll(async () => {
    d = await startIspDaemon({ listeners: { isp: { maxLineBytes: 4096, heartbeatMs: 60_000 } } });
  });
  afterAll(async () => d?.stop());

  it('answers the example CONFIG and STATUS lines', async () => {
    const t = await Telnet.open(d.ispPort);
    t.send('{"type":"CONFIG","id":"test-001","timestamp":1751200000000000000,"payload":{"mode":"tcp","address":"127.0.0.1:502","timeout_ms":3000,"interval_ms":2000,"registers":[]}}');
    const config = await t.reply('test-001');
    expect(config).toMatchObject({ type: 'RESPONSE', id: 'test-001', payload: { success: true, registers: 0 } });
    expect(String(config.timestamp)).toMatch(/^\d{19}$/);
    t.send('{"type":"STATUS","id":"status-001","timestamp":1751200000000000000}');
    const status = payload(await t.reply('status-001'));
    expect(status.success).toBe(true);
    const dev = (status.devices as Record<string, unknown>[]).find((x) => x.address === '127.0.0.1:502');
    expect(dev).toMatchObject({ mode: 'tcp', state: 'idle', interval_ms: 2000, registers: 0 });
    expect(status.counters).toMatchObject({ messages_in: 2, messages_out: 1, errors: 0, connections: 1 });
    t.close();
  });

  it("accepts the protocol's own example CONFIG (a float32 with quantity 1) and warns in the RESPONSE", async () => {
    const t = await Telnet.open(d.ispPort);
    const registers = [{ key: 'temperature', address: 0, quantity: 1, type: 'float32', function: 3, scale: 0.1, device_id: 1, tags: { unit: '°C' } }];
    t.send(JSON.stringify({ type: 'CONFIG', id: 'c-q1', payload: { name: 'q1', mode: 'tcp', address: '127.0.0.1:1', timeout_ms: 3000, interval_ms: 2000, registers } }));
    expect(payload(await t.reply('c-q1'))).toMatchObject({
      success: true,
      registers: 1,
      warnings: [{ field: 'registers[0].quantity', message: 'registers[0].quantity: float32 spans 2 registers; quantity 1 is read as 2' }],
    });
    t.close();
  });

  it('refuses bad lines with specific coded errors and keeps the connection', async () => {
    const t = await Telnet.open(d.ispPort);
    t.send('hello');
    expect(payload(await t.reply(undefined))).toMatchObject({ success: false, code: 'MALFORMED_JSON' });
    t.send('{"type":"PING","id":"p-1"}');
    expect(payload(await t.reply('p-1'))).toMatchObject({ success: false, code: 'ISP_UNKNOWN_TYPE', field: 'type' });
    t.send('{"type":"DATA","id":"d-1","payload":{"points":[]}}');
    expect(payload(await t.reply('d-1'))).toMatchObject({ success: false, code: 'ISP_WRONG_DIRECTION' });
    t.send('{"type":"CONFIG","id":"c-0"}');
    expect(payload(await t.reply('c-0'))).toMatchObject({ success: false, code: 'ISP_INVALID_MESSAGE', field: 'payload' });
    const reg = (r: object) => JSON.stringify({ type: 'CONFIG', id: 'c-x', payload: { address: '127.0.0.1:502', registers: [{ key: 'k', address: 0, type: 'int16', ...r }] } });
    const cases: [object, string][] = [
      [{ type: 'float' }, 'registers[0].type'],
      [{ type: 'float32', quantity: 3 }, 'registers[0].quantity'],
      [{ address: 65535, type: 'int32' }, 'registers[0].address'],
      [{ address: -1 }, 'registers[0].address'],
      [{ function: 7 }, 'registers[0].function'],
    ];
    for (const [r, field] of cases) {
      t.send(reg(r));
      const p = payload(await t.reply('c-x'));
      expect(p).toMatchObject({ success: false, code: 'MODBUS_INVALID_REGISTER', field });
      expect(p.error).toContain(field);
    }
    t.send(JSON.stringify({ type: 'CONFIG', id: 'c-m', payload: { mode: 'udp', address: 'h' } }));
    expect(payload(await t.reply('c-m'))).toMatchObject({ success: false, code: 'MODBUS_INVALID_DEVICE', field: 'mode' });
    t.send(JSON.stringify({ type: 'CONFIG', id: 'c-n', payload: { name: 7, address: 'h' } }));
    expect(payload(await t.reply('c-n'))).toMatchObject({ success: false, code: 'MODBUS_INVALID_DEVICE', field: 'name' });
    t.send('{"type":"STATUS","id":"s-after"}');
    const status = payload(await t.reply('s-after'));
    expect(status.success).toBe(true);
    expect((status.counters as Record<string, number>).errors).toBeGreaterThanOrEqual(11);
    t.close();
  });

  it('refuses an over-long line without dropping the connection', async () => {
    const t = await Telnet.open(d.ispPort);
    const chunk = 'x'.repeat(1000);
    t.socket.write('{"type":"STATUS","id":"big","pad":"');
    for (let i = 0; i < 200; i++) t.socket.write(chunk);
    t.send('"}');
    expect(payload(await t.reply(undefined))).toMatchObject({ success: false, code: 'LINE_TOO_LONG' });
    t.send('{"type":"STATUS","id":"after-big","payload":{"values":false}}');
    expect(payload(await t.reply('after-big')).success).toBe(true);
    t.close();
  });

  it('replaces a gateway nameless CONFIG and removes it when the gateway leaves', async () => {
    const t = await Telnet.open(d.ispPort);
    const cfg = (id: string, interval: number) =>
      JSON.stringify({ type: 'CONFIG', id, payload: { address: '127.0.0.1:1', interval_ms: interval, registers: [] } });
    t.send(cfg('a', 1000));
    const first = payload(await t.reply('a'));
    t.send(cfg('b', 2000));
    const second = payload(await t.reply('b'));
    expect(second).toMatchObject({ success: true, device: first.device, replaced: true });
    const mine = first.device as string;
    const devices = async () => ((await d.ipc.call('isp.stats', {})) as { devices: string[] }).devices;
    expect(await devices()).toContain(mine);
    t.close();
    await expect.poll(devices, { timeout: 5000 }).not.toContain(mine);
  });

  it('echoes a gateway HEARTBEAT', async () => {
    const t = await Telnet.open(d.ispPort);
    t.send('{"type":"HEARTBEAT","id":"hb-1","timestamp":1751200000000000000}');
    expect(await t.next((m) => m.type === 'HEARTBEAT' && m.id === 'hb-1')).toMatchObject({ type: 'HEARTBEAT' });
    t.close();
  });
});

describe('ISP listener: heartbeats', () => {
  let d: IspTestDaemon;
  beforeAll(async () => {
    d = await startIspDaemon({ listeners: { isp: { heartbeatMs: 150, missedHeartbeats: 3 } } });
  });
  afterAll(async () => d?.stop());

  it('sends heartbeats and drops a gateway silent for several intervals, not one that keeps talking', async () => {
    const silent = await Telnet.open(d.ispPort);
    const talker = await Telnet.open(d.ispPort);
    const keepAlive = setInterval(() => talker.send('{"type":"HEARTBEAT"}'), 100);
    try {
      await silent.next((m) => m.type === 'HEARTBEAT' && m.id === undefined, 1000);
      const began = Date.now();
      await expect.poll(() => silent.closed, { timeout: 3000, interval: 20 }).toBe(true);
      expect(Date.now() - began).toBeLessThan(2000);
      expect(talker.closed).toBe(false);
      const stats = (await d.ipc.call('isp.stats', {})) as Record<string, number>;
      expect(stats.gateways_dropped).toBe(1);
      expect(stats.connections).toBe(1);
    } finally {
      clearInterval(keepAlive);
      talker.close();
    }
  });
});

describe('ISP listener: rate limit', () => {
  let d: IspTestDaemon;
  beforeAll(async () => {
    d = await startIspDaemon({ listeners: { isp: { rateLimit: { perSecond: 1, burst: 2 } } } });
  });
  afterAll(async () => d?.stop());

  it('answers requests past the per-connection rate with RATE_LIMITED, and still echoes heartbeats', async () => {
    const t = await Telnet.open(d.ispPort);
    for (const id of ['s1', 's2', 's3']) t.send(`{"type":"STATUS","id":"${id}","payload":{"values":false}}`);
    expect(payload(await t.reply('s1')).success).toBe(true);
    expect(payload(await t.reply('s2')).success).toBe(true);
    expect(payload(await t.reply('s3'))).toMatchObject({ success: false, code: 'RATE_LIMITED' });
    t.send('{"type":"HEARTBEAT","id":"hb"}');
    expect(await t.next((m) => m.type === 'HEARTBEAT' && m.id === 'hb')).toMatchObject({ type: 'HEARTBEAT' });
    t.close();
  });
});
