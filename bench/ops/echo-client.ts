// Load generator for metrics-overhead.ts, in its own process so the daemon's
// main thread is measured alone: `echo-client.ts SOCKET REQUESTS INFLIGHT` prints req/s.
import { performance } from 'node:perf_hooks';
import { IpcClient } from '../../clients/ts/ipc-client.ts';

const [path, requestsArg, inflightArg] = process.argv.slice(2);
const requests = Number(requestsArg);
const c = new IpcClient({ path: path!, heartbeatMs: 0 });
await c.call('sys.ping');
let sent = 0;
const t0 = performance.now();
const lane = async (): Promise<void> => {
  while (sent < requests) {
    sent++;
    await c.call('sys.echo', 1);
  }
};
await Promise.all(Array.from({ length: Number(inflightArg) }, lane));
process.stdout.write(`${requests / ((performance.now() - t0) / 1000)}\n`);
c.close();
