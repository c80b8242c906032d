// What a kafka worker holds that a replacement would not have: the
// connections registered at run time (kafka.connections.set, App.Init) are
// registered again on the new worker, and the consumers that went with the
// old one are reported to their users as KAFKA_SESSION_LOST (a consumer's
// group membership and buffered records cannot be carried over; its
// unacknowledged records are redelivered to the group).
import type { FeatureContext } from '../../runtime/feature/api.ts';
import { CONNECTION_TOPIC, CONSUMER_TOPIC, type ConnectionEvent, type ConsumerEvent } from './events.ts';
import type { KafkaSections } from './sections.ts';

const KAFKA_ACTOR = 'kafka';

export class KafkaRestore {
  /** Connections registered at run time: their params, and the worker that holds them. */
  readonly #connections = new Map<string, { config: unknown; worker: number }>();
  /** Consumers open now, by connection: their topics and worker. */
  readonly #consumers = new Map<string, { topics: Set<string>; worker: number }>();
  /** Connections registered again and consumers reported lost so far (status and tests). */
  readonly counts = { connectionsRestored: 0, consumersLost: 0 };

  constructor(readonly ctx: FeatureContext<KafkaSections>) {
    ctx.events.on('publish', (name, topic, data) => {
      if (name !== KAFKA_ACTOR) return;
      if (topic === CONNECTION_TOPIC) this.#onConnection(data as ConnectionEvent);
      else if (topic === CONSUMER_TOPIC) this.#onConsumer(data as ConsumerEvent);
    });
    ctx.events.on('worker-ready', (name, slot, restarted) => {
      if (name === KAFKA_ACTOR && restarted) this.#restore((w) => w === slot);
    });
    // A new kafka actor (a reload changed its settings) starts with only the config's connections.
    ctx.events.on('actor-started', (host) => {
      if (host.name === KAFKA_ACTOR && this.#connections.size + this.#consumers.size > 0) this.#restore(() => true);
    });
  }

  #onConnection(e: ConnectionEvent): void {
    this.#connections.set(e.name, { config: e.config, worker: e.worker });
    if (e.replaced) this.#consumers.delete(e.name);
  }

  #onConsumer(e: ConsumerEvent): void {
    const c = this.#consumers.get(e.connection);
    if (e.event === 'started') {
      if (c) for (const t of e.topics) c.topics.add(t);
      else this.#consumers.set(e.connection, { topics: new Set(e.topics), worker: e.worker });
    } else if (c) {
      if (e.topics.length === 0) this.#consumers.delete(e.connection);
      else for (const t of e.topics) c.topics.delete(t);
      if (c.topics.size === 0) this.#consumers.delete(e.connection);
    }
  }

  #restore(lostOn: (worker: number) => boolean): void {
    const declared = this.ctx.config.kafka.connections;
    for (const [name, c] of this.#connections) {
      // A name the config file now declares is the config's (a reload moved it there).
      if (!lostOn(c.worker) || Object.hasOwn(declared, name)) continue;
      this.counts.connectionsRestored++;
      this.ctx.call('kafka.connections.set', { name, config: c.config }).catch((err: unknown) => {
        this.#connections.delete(name);
        this.ctx.log.warn({ connection: name, err: (err as Error).message }, 'could not register a kafka connection again on the replaced worker');
      });
    }
    for (const [connection, c] of this.#consumers) {
      if (!lostOn(c.worker)) continue;
      this.#consumers.delete(connection);
      this.counts.consumersLost += c.topics.size;
      this.ctx.call('kafka.consume.lost', { connection, topics: [...c.topics] }).catch((err: unknown) => {
        this.ctx.log.warn({ connection, err: (err as Error).message }, 'could not report lost kafka consumers to the replaced worker');
      });
    }
  }
}
