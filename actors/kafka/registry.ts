// The named connections one kafka worker serves: from sidecar.config.ts at
// start, and registered or replaced at run time (kafka.connections.set,
// which App.Init uses). Drivers load on first use, so the kafkajs module is
// never imported by a daemon that only uses the memory driver.
import type { Logger } from 'pino';
import { OutriggerError } from '../../runtime/errors/error.ts';
import { connectionSchema, describeConnection, type DriverName, type KafkaConfig, type KafkaConnection } from './config.ts';
import { Connection } from './connection.ts';
import type { KafkaDriver } from './driver.ts';
import { kafkaError } from './errors.ts';
import { formatIssues } from '../../runtime/config/load.ts';

export async function loadDriver(name: DriverName): Promise<KafkaDriver> {
  if (name === 'memory') return (await import('./memory/driver.ts')).memoryDriver;
  return (await import('./kafkajs/driver.ts')).kafkajsDriver;
}

export type SetOutcome = 'created' | 'replaced' | 'unchanged';

export class ConnectionRegistry {
  readonly #connections = new Map<string, Connection>();
  /** Serializes set() per name, so concurrent replacements cannot interleave. */
  readonly #setting = new Map<string, Promise<unknown>>();

  constructor(
    readonly settings: KafkaConfig,
    readonly log: Logger,
  ) {}

  get(name: string): Connection {
    const c = this.#connections.get(name);
    if (!c) {
      throw kafkaError('KAFKA_UNKNOWN_CONNECTION', `no kafka connection named '${name}' (configure kafka.connections or call kafka.connections.set)`, {
        connection: name,
      });
    }
    return c;
  }

  /**
   * Registers a connection, or replaces one whose config changed: the old
   * one flushes its producer and commits and closes its consumers first
   * (their users must call kafka.consume.init again). `source` names where
   * the config came from, for error messages.
   */
  set(name: string, raw: unknown, source: 'config' | 'params'): Promise<SetOutcome> {
    const prev = this.#setting.get(name) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(() => this.#set(name, raw, source));
    this.#setting.set(name, next);
    return next;
  }

  async #set(name: string, raw: unknown, source: 'config' | 'params'): Promise<SetOutcome> {
    const parsed = connectionSchema.safeParse(raw);
    if (!parsed.success) {
      const where = source === 'config' ? `kafka.connections.${name}` : 'params.config';
      const message = formatIssues(parsed.error).replaceAll("config field '", `config field '${where}.`);
      throw new OutriggerError(source === 'config' ? 'CONFIG_INVALID' : 'INVALID_PARAMS', message, {
        fields: parsed.error.issues.map((i) => `${where}.${i.path.join('.')}`),
      });
    }
    const config: KafkaConnection = parsed.data;
    const driverName = config.driver ?? this.settings.driver;
    const old = this.#connections.get(name);
    if (old && old.driverName === driverName && JSON.stringify(old.config) === JSON.stringify(config)) return 'unchanged';
    const driver = await loadDriver(driverName);
    if (driverName === 'kafkajs') {
      // Reads the TLS files now, so a wrong path fails the registration, not the first call.
      const { tlsOptions } = await import('./kafkajs/options.ts');
      try {
        tlsOptions(name, config);
      } catch (err) {
        if (source === 'params' && err instanceof OutriggerError) throw new OutriggerError('INVALID_PARAMS', err.message, err.data);
        throw err;
      }
    }
    const conn = new Connection(name, config, driver, this.settings, this.log.child({ connection: name }));
    this.#connections.set(name, conn);
    this.log.info(describeConnection(name, config, driverName), old ? 'kafka connection replaced' : 'kafka connection registered');
    if (old) await old.close(Date.now() + this.settings.producer.deliveryTimeoutMs);
    return old ? 'replaced' : 'created';
  }

  async closeAll(deadline: number): Promise<void> {
    await Promise.all([...this.#connections.values()].map((c) => c.close(deadline)));
    this.#connections.clear();
  }
}
