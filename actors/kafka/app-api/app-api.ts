import { createHash } from 'node:crypto';
import type { FeatureContext } from '../../../runtime/feature/api.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';
import { repeatLimit } from '../../../runtime/log.ts';
import { policyBit } from '../../../runtime/router/policy.ts';
import type { MainCallContext } from '../../../runtime/router/router.ts';
import type { KafkaSections } from '../sections.ts';
import type { AppApiConfig } from './config.ts';
import { connectCallOf } from './kafka-calls.ts';
import { unwrapPayload } from './payload.ts';
import { describeConfigs, parseAppConfigs, parseKafkaPayload, type AppConfigs } from './schema.ts';

const CONFIGURE = policyBit('configure');

/**
 * The Hi Framework sidecar's App service on the main thread: App.Init
 * registers the application's Kafka connections with the kafka actor,
 * App.Shutdown drains the daemon. App.Kafka is the kafka actor's own `app`
 * method (kafka-action.ts), reached by an alias, so its payload is parsed in
 * the worker.
 */
export class AppApi {
  #initialised: string | null = null;
  #initialising: { fingerprint: string; done: Promise<true> } | null = null;

  constructor(readonly ctx: FeatureContext<KafkaSections>) {}

  get config(): AppApiConfig {
    return this.ctx.config.app;
  }

  register(): void {
    if (!this.config.enabled) return;
    this.ctx.method('app.init', (params, call) => this.init(params, call), { policy: 'data', params: 256 * 1024 });
    this.ctx.method('app.shutdown', () => this.shutdown(), { policy: 'admin', params: 'none' });
    const target = `${this.config.kafkaActor}.app`;
    if (this.ctx.has(target)) this.ctx.alias('app.kafka', target);
    else {
      this.ctx.method('app.kafka', (params) => {
        const { action } = parseKafkaPayload(unwrapPayload(params, 'payload'));
        throw new OutriggerError(
          'UNKNOWN_METHOD',
          `App.Kafka: action ${action} needs it, but this daemon runs no Kafka actor '${this.config.kafkaActor}' (docs/kafka.md: enabling it)`,
        );
      });
    }
  }

  /**
   * App.Init: validate, then register each named Kafka connection; the same
   * configs again is a no-op. Registering connections is configure-class
   * (docs/security.md): a caller without that grant gets `true` when every
   * connection it names already exists (what the daemon has stays), and
   * FORBIDDEN when it would add one; nothing else about them is revealed.
   */
  async init(params: unknown, call: MainCallContext): Promise<true> {
    const configs = parseAppConfigs(unwrapPayload(params, 'configs'));
    const names = Object.keys(configs.kafka);
    if ((call.caller.grants & CONFIGURE) === 0) return this.#initWithoutGrant(names);
    const fingerprint = createHash('sha256').update(JSON.stringify(configs)).digest('hex');
    if (fingerprint === this.#initialised) return true;
    if (this.#initialising?.fingerprint === fingerprint) return this.#initialising.done;
    const done = this.#register(configs, call.deadline).then(
      () => {
        this.#initialised = fingerprint;
        this.ctx.log.info(describeConfigs(configs), 'App.Init: application initialised');
        return true as const;
      },
      (err: unknown) => {
        repeatLimit.log('App.Init failed', (suppressed) => this.ctx.log.warn({ err: (err as Error).message, ...describeConfigs(configs), suppressed }, 'App.Init failed'));
        throw err;
      },
    );
    this.#initialising = { fingerprint, done };
    try {
      return await done;
    } finally {
      if (this.#initialising?.done === done) this.#initialising = null;
    }
  }

  async #initWithoutGrant(names: string[]): Promise<true> {
    if (names.length === 0) return true;
    this.#requireKafka('App.Init');
    const known = await Promise.all(names.map((connection) => this.ctx.call<boolean>(`${this.config.kafkaActor}.connections.has`, { connection })));
    const missing = names.filter((_, i) => !known[i]);
    if (missing.length > 0) {
      throw new OutriggerError(
        'FORBIDDEN',
        `App.Init would add Kafka connection '${missing[0]}', and this connection may not configure the daemon: declare it in kafka.connections, or call over the unix socket or with the token (docs/security.md)`,
      );
    }
    return true;
  }

  async #register(configs: AppConfigs, deadline: number): Promise<void> {
    const names = Object.keys(configs.kafka);
    if (names.length === 0) return;
    this.#requireKafka('App.Init');
    await Promise.all(
      names.map(async (name) => {
        const call = connectCallOf(name, configs.kafka[name]!);
        try {
          await this.ctx.call(`${this.config.kafkaActor}.${call.method}`, call.params, deadline - Date.now());
        } catch (err) {
          const e = err as OutriggerError;
          throw new OutriggerError(e.code ?? 'ACTOR_ERROR', `configs.kafka.${name}: ${e.message}`, e.data);
        }
      }),
    );
  }

  /** App.Shutdown: answers true, then drains and stops the daemon (unless configured to ignore it). */
  shutdown(): true {
    if (this.config.shutdown === 'ignore') {
      this.ctx.log.info('App.Shutdown received; ignored (app.shutdown is "ignore")');
      return true;
    }
    this.ctx.log.info('App.Shutdown received: draining');
    // After this reply is queued, so the caller gets its `true` before connections close.
    setImmediate(() => this.ctx.stop('App.Shutdown'));
    return true;
  }

  #requireKafka(call: string): void {
    if (this.ctx.has(`${this.config.kafkaActor}.produce`)) return;
    throw new OutriggerError(
      'UNKNOWN_METHOD',
      `${call}: configs.kafka lists connections, but this daemon runs no Kafka actor '${this.config.kafkaActor}' (docs/kafka.md: enabling it)`,
    );
  }
}
