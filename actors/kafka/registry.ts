// The named connections one kafka worker serves: from sidecar.config.ts at
// start, and registered or replaced at run time (kafka.connections.set,
// which App.Init uses). Drivers load on first use, so the kafkajs module is
// never imported by a daemon that only uses the memory driver.
import type { Logger } from 'pino';
import { OutriggerError } from '../../runtime/errors/error.ts';
import { connectionSchema, describeConnection, type DriverName, isInlinePem, type KafkaConfig, type KafkaConnection } from './config.ts';
import { Connection } from './connection.ts';
import type { ConsumerSession } from './consumer-session.ts';
import { CONNECTION_TOPIC, type CONSUMER_TOPIC, type ConnectionEvent, type ConsumerEvent } from './events.ts';
import type { KafkaDriver } from './driver.ts';
import { kafkaError } from './errors.ts';
import { type KafkaMetrics, NO_KAFKA_METRICS } from './metrics.ts';
import { formatIssues } from '../../runtime/config/issues.ts';

export async function loadDriver(name: DriverName): Promise<KafkaDriver> {
  if (name === 'memory') return (await import('./memory/driver.ts')).memoryDriver;
  return (await import('./kafkajs/driver.ts')).kafkajsDriver;
}

export type SetOutcome = 'created' | 'replaced' | 'unchanged';

/** Tells the main thread what this worker holds (events.ts); a no-op in tests of the registry alone. */
export type Announce = ((topic: typeof CONNECTION_TOPIC, e: Omit<ConnectionEvent, 'worker'>) => void) &
  ((topic: typeof CONSUMER_TOPIC, e: Omit<ConsumerEvent, 'worker'>) => void);

const TLS_FILES = ['root_ca', 'cert', 'key'] as const;

export class ConnectionRegistry {
  readonly #connections = new Map<string, Connection>();
  /** Serializes set() per name, so concurrent replacements cannot interleave. */
  readonly #setting = new Map<string, Promise<unknown>>();
  /** Topics whose consumer was lost with a replaced worker, by connection, until consume.init or close. */
  readonly #lost = new Map<string, Set<string>>();

  constructor(
    readonly settings: KafkaConfig,
    readonly log: Logger,
    readonly announce: Announce = () => {},
    readonly metrics: KafkaMetrics = NO_KAFKA_METRICS,
  ) {}

  /** The consumer of a topic; KAFKA_SESSION_LOST when it went with a replaced worker. */
  consumer(connection: string, topic: string): ConsumerSession {
    if (this.#lost.get(connection)?.has(topic)) {
      throw kafkaError('KAFKA_SESSION_LOST', `the consumer of topic '${topic}' on connection '${connection}' was lost when its kafka worker was replaced; call kafka.consume.init again (unacknowledged records are redelivered)`, {
        connection,
        topic,
      });
    }
    return this.get(connection).consumer(topic);
  }

  /** The main thread reports consumers a replaced worker held. */
  markLost(connection: string, topics: readonly string[]): void {
    let set = this.#lost.get(connection);
    if (!set) this.#lost.set(connection, (set = new Set()));
    for (const t of topics) set.add(t);
  }

  /** A new consume.init or a close ends the report of a lost consumer. */
  clearLost(connection: string, topics?: readonly string[]): void {
    const set = this.#lost.get(connection);
    if (!set) return;
    if (topics) for (const t of topics) set.delete(t);
    if (!topics || set.size === 0) this.#lost.delete(connection);
  }

  has(name: string): boolean {
    return this.#connections.has(name);
  }

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
    if (source === 'params') this.#checkTlsPaths(config);
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
    const conn = new Connection(name, config, driver, this.settings, this.log.child({ connection: name }), this.metrics);
    this.#connections.set(name, conn);
    this.log.info(describeConnection(name, config, driverName), old ? 'kafka connection replaced' : 'kafka connection registered');
    // Kept on the main thread to register it again on a replacement worker; a replaced connection closes its consumers.
    if (source === 'params') this.announce(CONNECTION_TOPIC, { name, config: raw, replaced: old !== undefined });
    if (old) await old.close(Date.now() + this.settings.producer.deliveryTimeoutMs);
    return old ? 'replaced' : 'created';
  }

  /**
   * A client names files only by PEM text or by a path the config file
   * lists in kafka.tlsFiles: any other path is refused before the file system
   * is touched (no existence oracle, no FIFO to hang the worker on).
   */
  #checkTlsPaths(config: KafkaConnection): void {
    for (const field of TLS_FILES) {
      const v = config.tls?.[field];
      if (v === undefined || isInlinePem(v) || this.settings.tlsFiles.includes(v)) continue;
      throw new OutriggerError('INVALID_PARAMS', `params.config.tls.${field}: send the PEM text, or a path the config lists in kafka.tlsFiles`, {
        field: `config.tls.${field}`,
      });
    }
  }

  async closeAll(deadline: number): Promise<void> {
    await Promise.all([...this.#connections.values()].map((c) => c.close(deadline)));
    this.#connections.clear();
  }
}
