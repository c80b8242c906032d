// The poller against real servers: merged reads, a device killed mid-poll,
// a silent device next to a healthy one, exception responses, report on
// change with deadband.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IspClient, IspPoint } from '../../../clients/ts/isp-client.ts';
import { type IspTestDaemon, pointsOf, startIspDaemon } from '../../helpers/isp-daemon.ts';
import { freePort, kill9Peer, mbpoll, startPeer, stopPeer } from '../../helpers/modbus-peers.ts';

interface DeviceStatus {
  name: string;
  state: string;
  circuit: string;
  last_error: string | null;
  reads_per_poll: number;
  counters: Record<string, number>;
}

let d: IspTestDaemon;
let gw: IspClient;
let healthyPort: number;
let victimPort: number;
const silent = net.createServer((s) => s.on('data', () => {})); // accepts, reads, never answers
let silentPort: number;

async function configure(device: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await gw.request('CONFIG', device);
  expect(r.payload, JSON.stringify(r.payload)).toMatchObject({ success: true });
  return r.payload!;
}

async function status(device: string): Promise<DeviceStatus> {
  const r = (await d.ipc.call('modbus.status', { device, values: false })) as { devices: DeviceStatus[] };
  return r.devices[0]!;
}

/** Collects the points of `device` for `ms` milliseconds. */
function record(device: string, ms: number): Promise<IspPoint[]> {
  const got: IspPoint[] = [];
  const unsubscribe = gw.subscribe((points) => {
    for (const p of points) if (p.source === device) got.push(p);
  });
  return new Promise((resolve) =>
    setTimeout(() => {
      unsubscribe();
      resolve(got);
    }, ms),
  );
}

/** Largest gap between consecutive poll timestamps of one key, in ms. */
function maxGapMs(points: IspPoint[], key: string): number {
  const ts = points.filter((p) => p.key === key).map((p) => p.timestamp / 1e6);
  let gap = 0;
  for (let i = 1; i < ts.length; i++) gap = Math.max(gap, ts[i]! - ts[i - 1]!);
  return gap;
}

beforeAll(async () => {
  healthyPort = await freePort();
  victimPort = await freePort();
  await startPeer('libmodbus', healthyPort);
  await startPeer('libmodbus', victimPort);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as net.AddressInfo).port;
  d = await startIspDaemon();
  gw = await d.gateway();
});

afterAll(async () => {
  await d?.stop();
  silent.close();
  for (const p of [healthyPort, victimPort]) if (p) await stopPeer(p);
});

describe('merged reads', () => {
  it('return the same points as one read per register', async () => {
    // Mixed types at scattered addresses (layout: HR[i] = 100 + i, coil[i] = i % 3 == 0).
    const registers: Record<string, unknown>[] = [];
    let a = 100;
    const types = ['uint16', 'int32', 'float32', 'int16', 'uint32', 'float64', 'int64'];
    for (let i = 0; i < 28; i++) {
      const type = types[i % types.length]!;
      registers.push({ key: `r${i}`, address: a, type, word_order: i % 2 ? 'little' : 'big' });
      a += (type.endsWith('64') ? 4 : type.endsWith('32') ? 2 : 1) + (i % 5) * 3;
    }
    for (let i = 0; i < 6; i++) registers.push({ key: `c${i}`, address: 10 + i * 7, type: 'bool' });
    const base = { address: `127.0.0.1:${healthyPort}`, interval_ms: 100, registers };
    const merged = await configure({ ...base, name: 'merged', max_gap: 16 });
    const single = await configure({ ...base, name: 'single', max_gap: 0, max_length: 1 });
    expect(single.reads).toBe(registers.length);
    expect(merged.reads as number).toBeLessThan(5);
    const keys = registers.map((r) => r.key as string);
    const [m, s] = await Promise.all([pointsOf(gw, 'merged', keys), pointsOf(gw, 'single', keys)]);
    for (const k of keys) expect(m.get(k)!.value, k).toEqual(s.get(k)!.value);
    expect(m.get('r0')!.value).toBe(200);
    expect((await status('merged')).reads_per_poll).toBe(merged.reads);
    for (const name of ['merged', 'single']) await d.ipc.call('modbus.remove', { device: name });
  });
});

describe('failure isolation', () => {
  it('a device killed mid-poll yields quality 0, then recovers, while another keeps its interval', async () => {
    const regs = [{ key: 'v', address: 5, type: 'uint16' }];
    await configure({ name: 'victim', address: `127.0.0.1:${victimPort}`, interval_ms: 100, reconnect_min_ms: 100, reconnect_max_ms: 400, registers: regs });
    await configure({ name: 'healthy', address: `127.0.0.1:${healthyPort}`, interval_ms: 100, registers: regs });
    await pointsOf(gw, 'victim', ['v']);
    const during = record('healthy', 1500);
    const bad = pointsOf(gw, 'victim', ['v'], (p) => p.quality === 0 && p.value === null);
    await kill9Peer(victimPort);
    await bad;
    const healthyPoints = await during;
    expect(healthyPoints.every((p) => p.quality === 1)).toBe(true);
    // Timing bounds are loose (CI runs test files in parallel on 2 cores); the stall they
    // guard against is a whole connect/timeout cycle of the dead device.
    expect(healthyPoints.length).toBeGreaterThanOrEqual(4);
    expect(maxGapMs(healthyPoints, 'v')).toBeLessThan(1000);
    expect((await status('victim')).state).not.toBe('connected');
    await startPeer('libmodbus', victimPort);
    const back = await pointsOf(gw, 'victim', ['v'], (p) => p.quality === 1, 10_000);
    expect(back.get('v')!.value).toBe(105);
    const st = await status('victim');
    expect(st.state).toBe('connected');
    expect(st.counters.disconnects).toBeGreaterThanOrEqual(1);
    expect(st.counters.connects).toBeGreaterThanOrEqual(2);
    for (const name of ['victim', 'healthy']) await d.ipc.call('modbus.remove', { device: name });
  });

  it('a device that never answers times out alone: the healthy one keeps its interval', async () => {
    const regs = [{ key: 'v', address: 5, type: 'uint16' }];
    await configure({ name: 'mute', address: `127.0.0.1:${silentPort}`, interval_ms: 100, timeout_ms: 2000, registers: regs });
    await configure({ name: 'healthy2', address: `127.0.0.1:${healthyPort}`, interval_ms: 100, registers: regs });
    const [mute, healthy] = await Promise.all([record('mute', 4500), record('healthy2', 4500)]);
    expect(mute.length).toBeGreaterThan(0);
    expect(mute.every((p) => p.quality === 0)).toBe(true);
    expect(healthy.length).toBeGreaterThanOrEqual(10);
    expect(healthy.every((p) => p.quality === 1)).toBe(true);
    // A shared queue or a blocking wait would show the mute device's 2 s timeout here.
    expect(maxGapMs(healthy, 'v')).toBeLessThan(1000);
    const st = await status('mute');
    expect(st.counters.timeouts).toBeGreaterThanOrEqual(1);
    expect(st.counters.overruns).toBeGreaterThanOrEqual(1);
    // Unanswered requests open the device's circuit breaker: later polls fail fast.
    expect(st.last_error).toMatch(/MODBUS_TIMEOUT|CIRCUIT_OPEN|timed out/);
    for (const name of ['mute', 'healthy2']) await d.ipc.call('modbus.remove', { device: name });
  });

  it('a connected device that stops answering opens its circuit breaker: polls then fail fast', async () => {
    await configure({
      name: 'mute2',
      address: `127.0.0.1:${silentPort}`,
      interval_ms: 100,
      timeout_ms: 300,
      circuit_failures: 2,
      circuit_reset_ms: 60_000,
      registers: [{ key: 'v', address: 5, type: 'uint16' }],
    });
    await expect.poll(async () => (await status('mute2')).circuit, { timeout: 5000 }).toBe('open');
    const points = await record('mute2', 1000);
    // ~10 polls in a second: none waits the 300 ms timeout any more.
    expect(points.length).toBeGreaterThanOrEqual(5);
    expect(points.every((p) => p.quality === 0)).toBe(true);
    expect((await status('mute2')).last_error).toContain('CIRCUIT_OPEN');
    await d.ipc.call('modbus.remove', { device: 'mute2' });
  });

  it('an exception response gives quality 0 to its points only, counted, without dropping the connection', async () => {
    await configure({
      name: 'partly',
      address: `127.0.0.1:${healthyPort}`,
      interval_ms: 100,
      max_gap: 0,
      registers: [
        { key: 'ok', address: 9990, type: 'uint16' },
        { key: 'past_end', address: 9999, type: 'int32' }, // spans 9999..10000: illegal data address
      ],
    });
    const p = await pointsOf(gw, 'partly', ['ok', 'past_end'], (x) => x.quality === (x.key === 'ok' ? 1 : 0));
    expect(p.get('ok')!.value).toBe(10090);
    expect(p.get('past_end')!.value).toBeNull();
    const st = await status('partly');
    expect(st.state).toBe('connected');
    expect(st.counters.exceptions).toBeGreaterThanOrEqual(1);
    expect(st.counters.disconnects).toBe(0);
    expect(st.last_error).toContain('MODBUS_EXCEPTION');
    await expect(d.ipc.call('modbus.read', { device: 'partly', keys: ['past_end'] })).rejects.toMatchObject({
      code: 'MODBUS_EXCEPTION',
      data: { exception: 2 },
    });
    await d.ipc.call('modbus.remove', { device: 'partly' });
  });
});

describe('report on change', () => {
  it('reports a register only when it moves past its deadband', async () => {
    await mbpoll(healthyPort, ['-t', '4', '-r', '3000'], [1000, 50]);
    // Unchanged values are reported once: listen before anything can arrive.
    const firstP = pointsOf(gw, 'changes', ['band', 'exact']);
    await configure({
      name: 'changes',
      address: `127.0.0.1:${healthyPort}`,
      interval_ms: 50,
      registers: [
        { key: 'band', address: 3000, type: 'int16', deadband: 5 },
        { key: 'exact', address: 3001, type: 'int16', on_change: true },
        { key: 'always', address: 3002, type: 'int16' },
      ],
    });
    const first = await firstP;
    expect([first.get('band')!.value, first.get('exact')!.value]).toEqual([1000, 50]);
    const quiet = await record('changes', 400);
    expect(quiet.filter((p) => p.key !== 'always')).toEqual([]);
    expect(quiet.filter((p) => p.key === 'always').length).toBeGreaterThanOrEqual(2);
    const smallP = record('changes', 500);
    await mbpoll(healthyPort, ['-t', '4', '-r', '3000'], [1003, 50]); // inside the deadband; 'exact' unchanged
    expect((await smallP).filter((p) => p.key !== 'always')).toEqual([]);
    const movedP = pointsOf(gw, 'changes', ['band', 'exact']);
    await mbpoll(healthyPort, ['-t', '4', '-r', '3000'], [1010, 51]); // 10 from the last report (1000); 'exact' moved by 1
    const moved = await movedP;
    expect([moved.get('band')!.value, moved.get('exact')!.value]).toEqual([1010, 51]);
    await d.ipc.call('modbus.remove', { device: 'changes' });
  });
});
