// The same work through a daemon process: kafka.* calls over a local
// transport (binary IPC here; Goridge can be plugged in, see TRANSPORTS).
import { performance } from 'node:perf_hooks';
import type { DaemonProcess } from '../../test/helpers/daemon-process.ts';

export interface Caller {
  call(method: string, params: unknown): Promise<unknown>;
  close(): void;
}

/**
 * How the bench reaches the daemon. `ipc` is Outrigger's binary IPC over the
 * unix socket (one connection per Caller). To measure over Goridge once the
 * goridge-app branch's client is merged, add an entry here that opens one
 * Goridge connection per Caller and maps kafka.produce to App.Kafka, start
 * the daemon with its goridge listener on, and run with `--transport goridge`.
 */
export const TRANSPORTS: Record<string, (d: DaemonProcess, connections: number) => Caller> = {
  ipc: (d, connections) => d.client({ pool: connections, timeoutMs: 120_000 }),
};

interface ProducerStats {
  producer: { delivered: number; failed: number };
}

async function delivered(c: Caller, connection: string): Promise<ProducerStats['producer']> {
  return ((await c.call('kafka.stats', { connection })) as ProducerStats).producer;
}

/**
 * Async produce, pipelined: `window` calls in flight, spread over the caller's connections.
 * Timed until the broker acknowledged every record (the daemon's delivered
 * count), not merely until the daemon accepted them.
 */
export async function daemonAsyncProduce(c: Caller, connection: string, topic: string, values: string[], window: number): Promise<number> {
  const base = (await delivered(c, connection)).delivered;
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < values.length) {
        const value = values[next++]!;
        await c.call('kafka.produce', { connection, topic, value });
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
