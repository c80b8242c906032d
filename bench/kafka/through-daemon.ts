// The same work through a daemon process: kafka.* calls over a local
// transport (binary IPC here; Goridge can be plugged in, see TRANSPORTS).
import { performance } from 'node:perf_hooks';
import type { DaemonProcess } from '../../test/helpers/daemon-process.ts';

export interface Caller {
  call(method: string, params: unknown): Promise<unknown>;
  close(): void;
}

/** The subset of clients/ts/goridge-client.ts the bench uses. */
interface GoridgeClientLike {
  connected(): Promise<void>;
  call(method: string, body: Uint8Array): Promise<{ isError: boolean; body: Buffer }>;
  close(): void;
}

/**
 * The App API's PHP Bridge path: App.Kafka over Goridge, `{"action": "produce", "produce_message": {...}}`, answered
 * `true`. Only kafka.produce is mapped (the sync-latency scenario); the client module is loaded at run time so this
 * file also compiles in a tree without the Goridge client.
 */
async function goridgeCaller(address: string): Promise<Caller> {
  const url = new URL('../../clients/ts/goridge-client.ts', import.meta.url).href;
  const mod = (await import(url).catch(() => {
    throw new Error('--transport goridge needs clients/ts/goridge-client.ts and the Goridge listener');
  })) as { GoridgeClient: new (o: { address: string; timeoutMs: number }) => GoridgeClientLike };
  const client = new mod.GoridgeClient({ address, timeoutMs: 120_000 });
  await client.connected();
  return {
    async call(method, params) {
      if (method !== 'kafka.produce') throw new Error(`the goridge transport maps kafka.produce only, not ${method}`);
      const reply = await client.call('App.Kafka', Buffer.from(JSON.stringify({ action: 'produce', produce_message: params })));
      if (reply.isError) throw new Error(reply.body.toString());
      return JSON.parse(reply.body.toString()) as unknown;
    },
    close: () => client.close(),
  };
}

/**
 * How the bench reaches the daemon, one Caller per client connection set.
 * `ipc`: Outrigger's binary IPC over the unix socket, `connections` sockets per Caller.
 * `goridge`: App.Kafka over a Goridge TCP connection (the App API's PHP Bridge path), for `--only sync`.
 */
export const TRANSPORTS: Record<string, (d: DaemonProcess, connections: number) => Promise<Caller>> = {
  ipc: async (d, connections) => d.client({ pool: connections, timeoutMs: 120_000 }),
  goridge: async (d) => goridgeCaller(`tcp://127.0.0.1:${d.goridgePort ?? 0}`),
};

interface ProducerStats {
  producer: { delivered: number; failed: number };
}

async function delivered(c: Caller, connection: string): Promise<ProducerStats['producer']> {
  return ((await c.call('kafka.stats', { connection })) as ProducerStats).producer;
}

/**
 * Async produce, pipelined, `batch` records per call (1: the one-record form;
 * more: kafka.produce `messages`), calls in flight so that about `window`
 * records are. Timed until the broker acknowledged every record (the daemon's
 * delivered count), not merely until the daemon accepted them.
 */
async function asyncProduce(c: Caller, connection: string, topic: string, values: string[], window: number, batch: number): Promise<number> {
  const base = (await delivered(c, connection)).delivered;
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.floor(window / batch)) }, async () => {
      while (next < values.length) {
        if (batch === 1) {
          await c.call('kafka.produce', { connection, topic, value: values[next++]! });
          continue;
        }
        const messages = values.slice(next, next + batch).map((value) => ({ value }));
        next += messages.length;
        await c.call('kafka.produce', { connection, topic, messages });
      }
    }),
  );
  for (;;) {
    const s = await delivered(c, connection);
    if (s.failed > 0) throw new Error(`${s.failed} async records failed during the bench`);
    if (s.delivered - base >= values.length) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return (performance.now() - t0) / 1000;
}

/** Async produce, one record per call, `window` calls in flight over the caller's connections. */
export function daemonAsyncProduce(c: Caller, connection: string, topic: string, values: string[], window: number): Promise<number> {
  return asyncProduce(c, connection, topic, values, window, 1);
}

/** Async produce, `batch` records per call (kafka.produce `messages`), about `window` records in flight. */
export function daemonAsyncProduceMany(c: Caller, connection: string, topic: string, values: string[], window: number, batch: number): Promise<number> {
  return asyncProduce(c, connection, topic, values, window, batch);
}

/** One sequential sync-produce loop per caller (connection); returns per-call latencies in ms. */
export async function daemonSyncLatency(callers: Caller[], connection: string, topic: string, durationMs: number, value: string): Promise<number[]> {
  const samples: number[] = [];
  const until = performance.now() + durationMs;
  await Promise.all(
    callers.map(async (c) => {
      while (performance.now() < until) {
        const t = performance.now();
        await c.call('kafka.produce', { connection, topic, value, sync_mode: true });
        samples.push(performance.now() - t);
      }
    }),
  );
  return samples;
}

/** receive(size) + ack until `count` records arrived; returns seconds from consume.init to the last ack. */
export async function daemonConsume(c: Caller, connection: string, topic: string, count: number, size: number): Promise<number> {
  const t0 = performance.now();
  await c.call('kafka.consume.init', {
    connection,
    group_options: { group_id: `bench-daemon-${topic}-${Date.now()}` },
    consume_options: { topics: [topic], offset: 'AtStart', fetch_size: size * 4 },
  });
  let seen = 0;
  while (seen < count) {
    const got = (await c.call('kafka.consume.receive', { connection, topic, size, max_wait_ms: 500 })) as unknown[];
    seen += got.length;
    if (got.length > 0) await c.call('kafka.consume.ack', { connection, topic });
  }
  const s = (performance.now() - t0) / 1000;
  await c.call('kafka.consume.close', { connection });
  return s;
}
