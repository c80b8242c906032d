// Worker threads do not inherit the main thread's tsx loader, so each worker
// registers it before importing the TypeScript worker entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
