import type { KafkaConnection, KafkaPayload } from './schema.ts';

/*
 * How the Hi Framework sidecar's App API maps onto the Kafka actor (methods and
 * params in docs/kafka.md). The actor already speaks the App API's snake_case
 * shapes, so App.Kafka's `<action>_message` goes through almost unchanged;
 * this file is the one place that knows the method names and the few renames.
 */

export const KAFKA_METHODS = {
  produce: 'produce',
  consume_init: 'consume.init',
  consume_receive: 'consume.receive',
  consume_ack: 'consume.ack',
  consume_close: 'consume.close',
  connect: 'connections.set',
} as const;

export interface KafkaCall {
  /** Method name without the actor prefix. */
  method: string;
  params: Record<string, unknown>;
}

export function kafkaCallOf(p: KafkaPayload): KafkaCall {
  switch (p.action) {
    case 'consume_receive': {
      const { max_wait, ...rest } = p.message;
      return { method: KAFKA_METHODS.consume_receive, params: max_wait === undefined ? rest : { ...rest, max_wait_ms: max_wait } };
    }
    default:
      return { method: KAFKA_METHODS[p.action], params: { ...p.message } };
  }
}

/** Registers (or replaces) one named connection with the Kafka actor: kafka.connections.set {name, config}. */
export function connectCallOf(name: string, config: KafkaConnection): KafkaCall {
  return { method: KAFKA_METHODS.connect, params: { name, config } };
}

/** consume_receive answers the Kafka actor's records as they are (docs/app-api.md shows one). */
export function toRecords(result: unknown): unknown[] {
  return Array.isArray(result) ? result : [];
}
