import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { OutriggerError } from '../errors/error.ts';
import type { AppApiConfig } from './config.ts';
import type { MethodCaller } from './forward.ts';
import { connectCallOf, kafkaCallOf, toRecords } from './kafka-calls.ts';
import { unwrapPayload } from './payload.ts';
import { describeConfigs, parseAppConfigs, parseKafkaPayload, type AppConfigs } from './schema.ts';

/**
 * produce_messages' records are checked only by the Kafka actor, which names
 * fields `params.x`; the caller sent them as `payload.produce_messages.x`.
 */
function renameParams(err: unknown, field: string): unknown {
  if (!(err instanceof OutriggerError) || !err.message.startsWith('params.')) return err;
  return new OutriggerError(err.code, `${field}${err.message.slice('params'.length)}`, err.data);
}

/**
 * Seed 000's App service: App.Init(configs), App.Kafka(payload),
 * App.Shutdown(). Runs on the main thread: it validates and forwards, the
 * Kafka work happens in the Kafka actor's workers. Results are what seed
 * 000's PHP BridgeInterface returns: bool, or the records of a receive.
 */
export class AppApi {
  #initialised: string | null = null;
  #initialising: { fingerprint: string; done: Promise<true> } | null = null;

  constructor(
    readonly config: AppApiConfig,
    readonly caller: MethodCaller,
    readonly log: Logger,
    readonly stopDaemon: (reason: string) => void,
  ) {}

  /** App.Init: validate, then register each named Kafka connection; the same configs again is a no-op. */
  async init(params: unknown, deadline: number): Promise<true> {
    const configs = parseAppConfigs(unwrapPayload(params, 'configs'));
    const fingerprint = createHash('sha256').update(JSON.stringify(configs)).digest('hex');
    if (fingerprint === this.#initialised) return true;
    if (this.#initialising?.fingerprint === fingerprint) return this.#initialising.done;
    const done = this.#register(configs, deadline).then(
      () => {
        this.#initialised = fingerprint;
        this.log.info(describeConfigs(configs), 'App.Init: application initialised');
        return true as const;
      },
      (err: unknown) => {
        this.log.warn({ err: (err as Error).message, ...describeConfigs(configs) }, 'App.Init failed');
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

  async #register(configs: AppConfigs, deadline: number): Promise<void> {
    const names = Object.keys(configs.kafka);
    if (names.length === 0) return;
    this.#requireKafka('App.Init', 'configs.kafka lists connections');
    await Promise.all(
      names.map(async (name) => {
        const call = connectCallOf(name, configs.kafka[name]!);
        try {
          await this.caller.call(this.#kafkaMethod(call.method), call.params, deadline - Date.now());
        } catch (err) {
          const e = err as OutriggerError;
          throw new OutriggerError(e.code ?? 'ACTOR_ERROR', `configs.kafka.${name}: ${e.message}`, e.data);
        }
      }),
    );
  }

  /** App.Kafka: one of produce, consume_init, consume_receive, consume_ack, consume_close. */
  async kafka(params: unknown, deadline: number): Promise<boolean | unknown[]> {
    const payload = parseKafkaPayload(unwrapPayload(params, 'payload'));
    this.#requireKafka('App.Kafka', `action ${payload.action} needs it`);
    const call = kafkaCallOf(payload);
    let result: unknown;
    try {
      result = await this.caller.call(this.#kafkaMethod(call.method), call.params, deadline - Date.now());
    } catch (err) {
      throw payload.field === 'produce_messages' ? renameParams(err, 'payload.produce_messages') : err;
    }
    return payload.action === 'consume_receive' ? toRecords(result) : true;
  }

  /** App.Shutdown: answers true, then drains and stops the daemon (unless configured to ignore it). */
  shutdown(): true {
    if (this.config.shutdown === 'ignore') {
      this.log.info('App.Shutdown received; ignored (app.shutdown is "ignore")');
      return true;
    }
    this.log.info('App.Shutdown received: draining');
    // After this reply is queued, so the caller gets its `true` before connections close.
    setImmediate(() => this.stopDaemon('App.Shutdown'));
    return true;
  }

  #kafkaMethod(method: string): string {
    return `${this.config.kafkaActor}.${method}`;
  }

  #requireKafka(call: string, why: string): void {
    if (this.caller.has(this.#kafkaMethod('produce'))) return;
    throw new OutriggerError(
      'UNKNOWN_METHOD',
      `${call}: ${why}, but this daemon runs no Kafka actor '${this.config.kafkaActor}' (docs/kafka.md: enabling it)`,
    );
  }
}

