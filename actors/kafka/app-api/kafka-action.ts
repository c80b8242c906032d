// App.Kafka as the kafka actor runs it, in its worker: the payload is parsed
// and checked where the work happens, so a large produce_messages batch never
// costs the main thread more than finding the method.
import type { CallContext, Handler } from '../../../runtime/actor/api.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';
import { kafkaCallOf, toRecords } from './kafka-calls.ts';
import { unwrapPayload } from './payload.ts';
import { parseKafkaPayload } from './schema.ts';

/**
 * produce_messages' records are checked only by the Kafka handlers, which
 * name fields `params.x`; the caller sent them as `payload.produce_messages.x`.
 */
function renameParams(err: unknown, field: string): unknown {
  if (!(err instanceof OutriggerError) || !err.message.startsWith('params.')) return err;
  return new OutriggerError(err.code, `${field}${err.message.slice('params'.length)}`, err.data);
}

/** The connection an App.Kafka payload is for: the kafka actor's pin key for its `app` method. */
export function appConnectionOf(params: unknown): string {
  const payload = parseKafkaPayload(unwrapPayload(params, 'payload'));
  const connection = (payload.message as { connection?: unknown }).connection;
  if (typeof connection !== 'string' || connection === '') {
    throw new OutriggerError('INVALID_PARAMS', `payload.${payload.field}.connection: must be a non-empty string`);
  }
  return connection;
}

/**
 * The handler of App.Kafka (one of produce, consume_init, consume_receive,
 * consume_ack, consume_close): translated to the kafka method it names and
 * run by that method's own handler. Answers what the Hi Framework PHP
 * BridgeInterface returns: true, or the records of a receive.
 */
export function appKafkaHandler(handlers: Readonly<Record<string, Handler>>): Handler {
  return async (params: unknown, call: CallContext) => {
    const payload = parseKafkaPayload(unwrapPayload(params, 'payload'));
    const c = kafkaCallOf(payload);
    let result: unknown;
    try {
      result = await handlers[c.method]!(c.params, call);
    } catch (err) {
      throw payload.field === 'produce_messages' ? renameParams(err, 'payload.produce_messages') : err;
    }
    return payload.action === 'consume_receive' ? toRecords(result) : true;
  };
}
