// Main-thread side of the ES pipelines: when the config has a `pipelines`
// section, starts the `es` actor (one worker running every pipeline), routes
// its `es.status` method, and keeps the worker's latest status snapshot for
// `sys.stats` / `outrigger status` (daemon status section "pipelines").
import type { TableSection } from '../../runtime/cli/format-status.ts';
import type { Daemon, ListenerPlugin } from '../../runtime/daemon/daemon.ts';
import { startActors } from '../../runtime/daemon/load-actors.ts';
import { OutriggerError } from '../../runtime/errors/error.ts';
import { STATUS_TOPIC, type EsActorOptions } from './index.ts';
import { statusTable, type PipelineStatus } from './status.ts';

const MODULE_URL = new URL('./index.ts', import.meta.url).href;

export const esPipelinesPlugin: ListenerPlugin = async (daemon: Daemon) => {
  const { pipelines } = daemon.config;
  if (!Object.values(pipelines).some((p) => p.enabled)) return;
  if (daemon.hosts.has('es')) {
    throw new OutriggerError('CONFIG_INVALID', "config field 'actors.es': the actor name 'es' is reserved while 'pipelines' is configured");
  }
  for (const [name, p] of Object.entries(pipelines)) {
    if (p.enabled && p.stopTimeoutMs >= daemon.config.shutdown.graceMs) {
      daemon.log.warn(
        { pipeline: name, stopTimeoutMs: p.stopTimeoutMs, graceMs: daemon.config.shutdown.graceMs },
        'pipeline stopTimeoutMs is not below shutdown.graceMs: the daemon may end the worker before the pipeline has drained and committed',
      );
    }
  }
  const options: EsActorOptions = { pipelines, baseDir: daemon.loaded.baseDir };
  let latest: PipelineStatus[] = [];
  const hosts = await startActors(
    [{ name: 'es', moduleUrl: MODULE_URL, workers: 1, maxQueue: 1024, options, mode: 'worker' }],
    daemon.config,
    daemon.router,
    daemon.log,
  );
  for (const [name, host] of hosts) {
    daemon.hosts.set(name, host);
    host.on('publish', (topic: string, data: unknown) => {
      if (topic === STATUS_TOPIC) latest = data as PipelineStatus[];
      daemon.events.emit(topic, data, name);
    });
  }
  const section = (): TableSection => ({ title: 'ES pipelines (Canal → Kafka → cluster)', table: statusTable(latest), data: latest });
  daemon.addStatusSection('pipelines', section);
};
