// Turns kafkajs errors into the actor's coded errors. kafkajs wraps the
// error that matters (a protocol error, a refused connection) in retry and
// non-retriable wrappers, so the chain of causes is searched.
import { OutriggerError } from '../../../runtime/errors/error.ts';
import { type KafkaErrorCode, kafkaError } from '../errors.ts';

interface KafkaJSLike extends Error {
  type?: string;
  code?: unknown;
  retriable?: boolean;
  cause?: unknown;
  broker?: string;
}

const BY_PROTOCOL_TYPE: Record<string, KafkaErrorCode> = {
  MESSAGE_TOO_LARGE: 'KAFKA_MESSAGE_TOO_LARGE',
  RECORD_LIST_TOO_LARGE: 'KAFKA_MESSAGE_TOO_LARGE',
  UNKNOWN_TOPIC_OR_PARTITION: 'KAFKA_UNKNOWN_TOPIC',
  TOPIC_AUTHORIZATION_FAILED: 'KAFKA_NOT_AUTHORIZED',
  GROUP_AUTHORIZATION_FAILED: 'KAFKA_NOT_AUTHORIZED',
  CLUSTER_AUTHORIZATION_FAILED: 'KAFKA_NOT_AUTHORIZED',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'KAFKA_NOT_AUTHORIZED',
  SASL_AUTHENTICATION_FAILED: 'KAFKA_AUTH_FAILED',
  UNSUPPORTED_SASL_MECHANISM: 'KAFKA_AUTH_FAILED',
  ILLEGAL_SASL_STATE: 'KAFKA_AUTH_FAILED',
  REQUEST_TIMED_OUT: 'KAFKA_TIMEOUT',
  NOT_ENOUGH_REPLICAS: 'KAFKA_NOT_ENOUGH_REPLICAS',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 'KAFKA_NOT_ENOUGH_REPLICAS',
};

/** Group membership problems: a commit from this member cannot succeed right now. */
const COMMIT_REFUSALS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

const TLS_FAILURE = /certificate|self[- ]signed|ssl|tls|handshake|ERR_TLS|EPROTO|wrong version number/i;

function chain(err: unknown): KafkaJSLike[] {
  const out: KafkaJSLike[] = [];
  let e: unknown = err;
  while (e instanceof Error && out.length < 10 && !out.includes(e)) {
    out.push(e as KafkaJSLike);
    e = (e as KafkaJSLike).cause;
  }
  return out;
}

/**
 * Maps any error a kafkajs call threw to an OutriggerError with a KAFKA_*
 * code; our own coded errors (thrown from inside a kafkajs callback) pass
 * through unchanged. `context` names the operation for the message.
 */
export function fromKafkaJS(err: unknown, context: string): OutriggerError {
  const errors = chain(err);
  const own = errors.find((e) => e instanceof OutriggerError);
  if (own) return own as OutriggerError;
  const root = errors[errors.length - 1] ?? (err as KafkaJSLike);
  const protocol = errors.find((e) => e.name === 'KafkaJSProtocolError' || typeof e.type === 'string');
  const detail = (e: KafkaJSLike): string => `${context}: ${e.message}`;

  if (protocol?.type) {
    if (COMMIT_REFUSALS.has(protocol.type)) {
      return kafkaError('KAFKA_COMMIT_FAILED', detail(protocol), { type: protocol.type });
    }
    const code = BY_PROTOCOL_TYPE[protocol.type];
    if (code) return kafkaError(code, detail(protocol), { type: protocol.type });
    return kafkaError('KAFKA_ERROR', detail(protocol), { type: protocol.type, retriable: protocol.retriable === true });
  }
  if (errors.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    return kafkaError('KAFKA_AUTH_FAILED', detail(errors.find((e) => e.name === 'KafkaJSSASLAuthenticationError')!));
  }
  if (errors.some((e) => e.name === 'KafkaJSRequestTimeoutError' || e.name === 'KafkaJSTimeout')) {
    return kafkaError('KAFKA_TIMEOUT', detail(root));
  }
  const connection = errors.find((e) => e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSConnectionClosedError');
  if (connection) {
    if (TLS_FAILURE.test(connection.message)) return kafkaError('KAFKA_AUTH_FAILED', `${context}: TLS handshake failed: ${connection.message}`);
    return kafkaError('KAFKA_UNREACHABLE', detail(connection), connection.broker ? { broker: connection.broker } : undefined);
  }
  if (errors.some((e) => ['KafkaJSBrokerNotFound', 'KafkaJSNoBrokerAvailableError', 'KafkaJSGroupCoordinatorNotFound'].includes(e.name))) {
    return kafkaError('KAFKA_UNREACHABLE', detail(root));
  }
  if (errors.some((e) => e.name === 'KafkaJSTopicMetadataNotLoaded')) return kafkaError('KAFKA_UNKNOWN_TOPIC', detail(root));
  const retriable = errors.some((e) => e.retriable === true) && !errors.some((e) => e.retriable === false && e === root);
  return kafkaError('KAFKA_ERROR', detail(root), { type: root.name, retriable });
}
