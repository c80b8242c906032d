// bench/ipc/wakeup.ts: what one round trip between the main thread and a
// worker costs with each wake-up Node 20 offers, no daemon involved. The
// numbers behind docs/design/worker-hop.md.
//   post      a transferred 64-byte ArrayBuffer each way, each thread asleep in its event loop
//   doorbell  postMessage(0) each way (the message carries nothing)
//   waitAsync Atomics.notify each way, the other thread waiting in Atomics.waitAsync
//   poll      both threads polling shared memory (the floor; burns both threads)
// Run: node bin/run-ts.mjs bench/ipc/wakeup.ts [--trips 20000]
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { median, numberOption } from '../lib/stats.ts';

type Mode = 'post' | 'doorbell' | 'waitAsync' | 'poll';
// Atomics.waitAsync is in Node 20 but not in the TypeScript lib this project targets.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;
const MODES: Mode[] = ['post', 'doorbell', 'waitAsync', 'poll'];

async function measure(mode: Mode, trips: number): Promise<{ roundTripUs: number; cpuUs: number }> {
  const sab = new SharedArrayBuffer(16);
  const i32 = new Int32Array(sab);
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { mode, sab } });
  await new Promise((r) => w.once('message', r));
  // waitAsync does not keep an event loop alive by itself.
  const keepAlive = setInterval(() => {}, 1000);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  await new Promise<void>((done) => {
    const next = (): boolean => ++n === trips;
    if (mode === 'post' || mode === 'doorbell') {
      const send = (): void => {
        if (mode === 'post') {
          const buf = new ArrayBuffer(64);
          w.postMessage(buf, [buf]);
        } else w.postMessage(0);
      };
      w.on('message', () => (next() ? done() : send()));
      send();
    } else if (mode === 'waitAsync') {
      const trip = (): void => {
        const seen = Atomics.load(i32, 1);
        Atomics.add(i32, 0, 1);
        Atomics.notify(i32, 0);
        const r = waitAsync(i32, 1, seen);
        void (r.async ? (r.value as Promise<string>) : Promise.resolve('not-equal')).then(() => (next() ? done() : trip()));
      };
      trip();
    } else {
      const trip = (): void => {
        const seen = Atomics.load(i32, 1);
        Atomics.add(i32, 0, 1);
        while (Atomics.load(i32, 1) === seen);
        if (next()) done();
        else setImmediate(trip);
      };
      trip();
    }
  });
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(keepAlive);
  Atomics.store(i32, 2, 1); // poll mode: stop
  await w.terminate();
  return { roundTripUs: (elapsed * 1000) / trips, cpuUs: (cpu.user + cpu.system) / trips };
}

// The worker's side, as plain JavaScript: a worker thread of this process
// cannot load TypeScript without a loader of its own.
const WORKER_SOURCE = `
const { parentPort: port, workerData } = require('node:worker_threads');
const { mode, sab } = workerData;
const i32 = new Int32Array(sab);
if (mode === 'poll') {
  port.postMessage('ready');
  let seen = 0;
  while (Atomics.load(i32, 2) === 0) {
    if (Atomics.load(i32, 0) !== seen) { seen = Atomics.load(i32, 0); Atomics.add(i32, 1, 1); }
  }
} else {
  setInterval(() => {}, 1000);
  if (mode === 'post') port.on('message', () => { const buf = new ArrayBuffer(64); port.postMessage(buf, [buf]); });
  else if (mode === 'doorbell') port.on('message', () => port.postMessage(0));
  else {
    let seen = 0;
    const wait = () => {
      const r = Atomics.waitAsync(i32, 0, seen);
      (r.async ? r.value : Promise.resolve()).then(() => {
        seen = Atomics.load(i32, 0); Atomics.add(i32, 1, 1); Atomics.notify(i32, 1); wait();
      });
    };
    wait();
  }
  port.postMessage('ready');
}
`;

const trips = numberOption('trips', 20_000);
const rounds = numberOption('rounds', 3);
console.log(`bench/ipc/wakeup — ${trips} round trips per mode and round, ${rounds} rounds interleaved, medians; CPU = both threads`);
const results = new Map<Mode, { roundTripUs: number; cpuUs: number }[]>(MODES.map((m) => [m, []]));
for (let round = 0; round < rounds; round++) for (const mode of MODES) results.get(mode)!.push(await measure(mode, trips));
for (const mode of MODES) {
  const rs = results.get(mode)!;
  const rt = median(rs.map((r) => r.roundTripUs));
  const cpu = median(rs.map((r) => r.cpuUs));
  console.log(`  ${mode.padEnd(9)}  round trip ${rt.toFixed(1).padStart(6)} µs   cpu ${cpu.toFixed(1).padStart(6)} µs`);
}
