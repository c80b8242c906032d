// The part of piscina 5's API that PiscinaHost uses. piscina is not one of
// Outrigger's dependencies (docs/design/piscina.md): running the prototype
// needs `npm install --no-save piscina@5.3.2` first, and these declarations
// keep it type-checked by `npm run check` without the package.
declare module 'piscina' {
  import type { EventEmitter } from 'node:events';
  import type { Worker } from 'node:worker_threads';

  export const queueOptionsSymbol: unique symbol;

  /** What the load balancer sees of a task: the object set under queueOptionsSymbol on the task, if any. */
  export interface PiscinaTask {
    readonly taskId: number;
    readonly isAbortable: boolean;
    readonly [queueOptionsSymbol]: object | null;
  }

  export interface PiscinaWorker {
    readonly id: number;
    readonly currentUsage: number;
    readonly isRunningAbortableTask: boolean;
    readonly terminating: boolean;
    readonly destroyed: boolean;
  }

  export type PiscinaLoadBalancer = (task: PiscinaTask, workers: PiscinaWorker[]) => PiscinaWorker | null;

  export interface Options {
    filename?: string;
    minThreads?: number;
    maxThreads?: number;
    idleTimeout?: number;
    concurrentTasksPerWorker?: number;
    atomics?: 'sync' | 'async' | 'disabled';
    recordTiming?: boolean;
    workerData?: unknown;
    loadBalancer?: PiscinaLoadBalancer;
  }

  export class Piscina extends EventEmitter {
    constructor(options?: Options);
    run(task: unknown, options?: { transferList?: ArrayBuffer[] }): Promise<never>;
    destroy(): Promise<void>;
    readonly threads: Worker[];
  }

  /** Marks a transferable (or a view's buffer) to be moved, not copied, with a task's result. */
  export function move<T extends object>(value: T): T;
}
