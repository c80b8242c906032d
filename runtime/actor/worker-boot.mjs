// Start of a worker thread when the daemon runs from its TypeScript source
// (a clone, the tests): a new thread does not inherit the main thread's tsx
// loader, so it registers one before importing the TypeScript worker entry.
// The compiled daemon starts its workers at worker-main.js instead.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
