// The soak's mixed load: one generator per listener and feature, each at a
// steady rate (bench/soak/run.ts sets the rates). Every call goes through the
// shipped clients, as an application would make it.
import { GoridgeClient } from '../../clients/ts/goridge-client.ts';
import { IpcClient } from '../../clients/ts/ipc-client.ts';
import { IspClient } from '../../clients/ts/isp-client.ts';
import { canal } from '../../test/actors/es/peers.ts';
import { type Load, type LoadCounters, looped, newCounters, noteError, paced } from './pace.ts';

export interface SoakTargets {
  ipcPath: string;
  goridgePort: number;
  ispPort: number;
  modbusPort: number;
  eventsTopic: string;
  canalTopic: string;
}

export interface SoakRates {
  ipc: number;
  goridge: number;
  goridgePerConnection: number;
  produce: number;
  produceSync: number;
  canal: number;
  devices: number;
  points: number;
  ispChurnSeconds: number;
}

const PAD = 'x'.repeat(200);

function goridgeCall(c: GoridgeClient, method: string, params: unknown): Promise<void> {
  return c.call(method, Buffer.from(JSON.stringify(params))).then((r) => {
    if (r.isError) throw new Error(r.body.toString());
  });
}

/** The ISP gateway that keeps its devices for the whole run and counts the points they deliver. */
async function ispGateway(t: SoakTargets, rates: SoakRates): Promise<Load> {
  const counters = newCounters();
  const gw = await IspClient.connect({ port: t.ispPort, heartbeatMs: 10_000 });
  gw.subscribe((points) => {
    counters.ok += points.length;
  });
  for (let d = 0; d < rates.devices; d++) {
    const registers = Array.from({ length: rates.points }, (_, i) => ({ key: `p${i}`, address: d * rates.points * 2 + i * 2, type: 'float32' }));
    const r = await gw.request('CONFIG', { name: `soak-${d}`, address: `127.0.0.1:${t.modbusPort}`, interval_ms: 1000, timeout_ms: 3000, registers });
    if (r.payload?.success !== true) throw new Error(`ISP CONFIG soak-${d}: ${JSON.stringify(r.payload)}`);
  }
  return {
    name: 'isp points',
    counters,
    async stop() {
      if (gw.invalid.length > 0) noteError(counters, new Error(`invalid ISP lines: ${gw.invalid.slice(0, 2).join('; ')}`));
      gw.close();
    },
  };
}

/** A gateway that connects, configures a device, waits for its first DATA and leaves: session and device teardown, over and over. */
function ispChurn(t: SoakTargets, n: { i: number }): Promise<void> {
  return (async () => {
    const gw = await IspClient.connect({ port: t.ispPort, heartbeatMs: 0 });
    try {
      const first = new Promise<void>((resolve) => gw.subscribe(() => resolve()));
      const registers = Array.from({ length: 10 }, (_, i) => ({ key: `c${i}`, address: 9000 + i * 2, type: 'float32' }));
      const r = await gw.request('CONFIG', { name: `churn-${n.i++}`, address: `127.0.0.1:${t.modbusPort}`, interval_ms: 500, timeout_ms: 3000, registers });
      if (r.payload?.success !== true) throw new Error(`ISP CONFIG churn: ${JSON.stringify(r.payload)}`);
      await Promise.race([first, new Promise((_, reject) => setTimeout(() => reject(new Error('no DATA within 5 s')), 5000))]);
    } finally {
      gw.close();
    }
  })();
}

/** The Kafka consumer: receive, then acknowledge what was received, as a PHP worker loop does. */
async function consumer(ipc: IpcClient, t: SoakTargets): Promise<Load> {
  await ipc.call('kafka.consume.init', {
    connection: 'soak',
    group_options: { group_id: 'soak-consumer' },
    consume_options: { topics: [t.eventsTopic], offset: 'AtEnd', fetch_size: 2000 },
  });
  const load = looped('kafka consume', async (c: LoadCounters) => {
    const records = (await ipc.call('kafka.consume.receive', { connection: 'soak', topic: t.eventsTopic, size: 500, max_wait_ms: 500 })) as unknown[];
    if (records.length === 0) return;
    await ipc.call('kafka.consume.ack', { connection: 'soak', topic: t.eventsTopic });
    c.ok += records.length;
  });
  return {
    ...load,
    async stop() {
      await load.stop();
      await ipc.call('kafka.consume.close', { connection: 'soak' }).catch((err: unknown) => noteError(load.counters, err));
    },
  };
}

/** Starts every load; the caller stops them. */
export async function startLoads(t: SoakTargets, rates: SoakRates): Promise<{ loads: Load[]; close(): void }> {
  const ipc = new IpcClient({ path: t.ipcPath, pool: 2, timeoutMs: 10_000 });
  const consumerIpc = new IpcClient({ path: t.ipcPath, timeoutMs: 30_000 });
  const goridge = new GoridgeClient({ address: `tcp://127.0.0.1:${t.goridgePort}`, timeoutMs: 10_000 });
  await goridge.connected();
  let seq = 0;
  const churn = { i: 0 };
  const loads: Load[] = [
    paced('ipc sys.echo', rates.ipc, 64, () => ipc.call('sys.echo', { n: seq++, pad: PAD })),
    paced('goridge Sys.Echo', rates.goridge, 64, () => goridgeCall(goridge, 'Sys.Echo', { n: seq++, pad: PAD })),
    paced('goridge connect per call', rates.goridgePerConnection, 8, async () => {
      const c = new GoridgeClient({ address: `tcp://127.0.0.1:${t.goridgePort}`, timeoutMs: 10_000 });
      try {
        await c.connected();
        await goridgeCall(c, 'Sys.Echo', { n: seq++ });
      } finally {
        c.close();
      }
    }),
    paced('kafka.produce async', rates.produce, 256, () =>
      ipc.call('kafka.produce', { connection: 'soak', topic: t.eventsTopic, key: `k${seq % 64}`, value: `{"n":${seq++},"pad":"${PAD}"}` }),
    ),
    paced('kafka.produce sync', rates.produceSync, 32, () =>
      ipc.call('kafka.produce', { connection: 'soak', topic: t.eventsTopic, value: `{"n":${seq++}}`, sync_mode: true }),
    ),
    await consumer(consumerIpc, t),
    paced('es canal messages', rates.canal, 32, () => {
      const id = seq++;
      // Ids cycle through 10,000 rows, so the index stays the same size and documents get new versions.
      const rows = Array.from({ length: 5 }, (_, i) => ({ id: String((id * 5 + i) % 10_000), status: String(id % 4), title: `order ${id}`, note: PAD }));
      const value = canal({ database: 'soak', table: 'orders', type: 'UPDATE', rows, es: Date.now(), sqlType: { id: -5, status: 4, title: 12, note: 12 }, id });
      return ipc.call('kafka.produce', { connection: 'soak', topic: t.canalTopic, key: String(id % 64), value });
    }),
    await ispGateway(t, rates),
    paced('isp gateway churn', 1 / rates.ispChurnSeconds, 1, () => ispChurn(t, churn)),
  ];
  return {
    loads,
    close() {
      ipc.close();
      consumerIpc.close();
      goridge.close();
    },
  };
}
