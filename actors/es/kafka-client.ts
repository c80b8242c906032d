// A pipeline's Kafka connection, opened through the Kafka actor's drivers
// (kafkajs or memory) like any connection of the `kafka` section: one client
// factory, one logger bridge, one TLS reader. TLS material is PEM text or a
// file path, as in the `kafka` section; a path is relative to the config file
// here.
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { OutriggerError } from '../../runtime/errors/error.ts';
import { isInlinePem, type KafkaConnection } from '../kafka/config.ts';
import type { DriverClient } from '../kafka/driver.ts';
import { loadDriver } from '../kafka/registry.ts';

function withAbsoluteTls(c: KafkaConnection, baseDir: string): KafkaConnection {
  if (!c.tls) return c;
  const abs = (p: string | undefined): string | undefined => (p === undefined || isInlinePem(p) || isAbsolute(p) ? p : resolve(baseDir, p));
  const tls = { ...c.tls };
  for (const k of ['root_ca', 'cert', 'key'] as const) {
    const p = abs(tls[k]);
    if (p !== undefined) tls[k] = p;
  }
  return { ...c, tls };
}

/** Opens the pipeline's driver client; unreadable TLS files fail here with CONFIG_INVALID naming the pipeline's field. */
export async function openPipelineKafka(pipeline: string, connection: KafkaConnection, baseDir: string, log: Logger): Promise<DriverClient> {
  const driver = await loadDriver(connection.driver ?? 'kafkajs');
  try {
    // The name makes the default client id outrigger-es-<pipeline>.
    return driver.open(`es-${pipeline}`, withAbsoluteTls(connection, baseDir), log);
  } catch (err) {
    if (err instanceof OutriggerError && err.code === 'CONFIG_INVALID') {
      throw new OutriggerError('CONFIG_INVALID', `pipelines.${pipeline}.kafka: ${err.message}`, { field: `pipelines.${pipeline}.kafka.tls` });
    }
    throw err;
  }
}
