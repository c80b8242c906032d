// The bench/ipc daemon with its `sys` actor on PiscinaHost: the real daemon
// (listeners, router, metrics) started from a config file, then sys moved
// onto a piscina pool. BENCH_MODE=piscina-batch (one task per event-loop
// turn's batch) or piscina-task (one task per request).
// Run: node bin/run-ts.mjs bench/ipc/piscina/daemon.ts --config bench/ipc/bench.config.ts
import { builtinFeatures } from '../../../actors/builtins.ts';
import { Daemon } from '../../../runtime/daemon/daemon.ts';
import { loadConfig } from '../../../runtime/feature/load.ts';
import { moveToPiscina } from './swap.ts';

const argv = process.argv.slice(2);
const config = argv[argv.indexOf('--config') + 1];
const mode = process.env.BENCH_MODE === 'piscina-task' ? 'task' : 'batch';

const daemon = await Daemon.start(await loadConfig(config, builtinFeatures));
await moveToPiscina(daemon, 'sys', mode);
process.on('SIGTERM', () => void daemon.stop('signal SIGTERM'));
process.on('SIGINT', () => void daemon.stop('signal SIGINT'));
process.stdout.write(`OUTRIGGER READY pid=${process.pid} sys on piscina, one task per ${mode === 'task' ? 'request' : 'batch'}\n`);
await daemon.stopped;
