// The one list of stable error codes. Clients match on these strings, so a
// code is never renamed or reused; docs/errors.md documents every entry (a
// test keeps the two in step).
export const ERROR_CODES = {
  // request lifecycle
  TIMEOUT: 'The request passed its deadline before the actor answered.',
  BUSY: 'A queue or in-flight bound was reached and the listener runs in reject mode.',
  SHUTTING_DOWN: 'The daemon is draining and accepts no new requests.',
  DUPLICATE_ID: 'A request id is already in flight on this connection.',
  CONNECTION_CLOSED: 'The connection closed before the reply arrived (client side).',
  REPLY_TOO_LARGE: 'The result, encoded, is larger than requests.maxReplyBytes; it was not sent.',
  // routing and input
  UNKNOWN_METHOD: 'No actor serves this method.',
  MISSING_METHOD: 'The request carries no method name.',
  MALFORMED_JSON: 'The request payload is not valid JSON.',
  INVALID_PARAMS: 'The params do not match what the method expects.',
  MISSING_ID: 'An async request (type 0x04) carries no id to answer by.',
  UNEXPECTED_TYPE: 'A client sent a frame type only the server sends (error or async response).',
  UNSUPPORTED_CODEC: 'The request body codec is not supported for this method.',
  // trust (docs/security.md)
  FORBIDDEN: "The method's policy class is not among the connection's grants.",
  UNAUTHENTICATED: 'The token presented with session.auth was not accepted.',
  // framing (these close the connection)
  FRAME_TOO_LARGE: 'A frame declares a payload longer than the configured cap.',
  UNKNOWN_VERSION: 'A binary IPC frame carries an unknown protocol version.',
  UNKNOWN_TYPE: 'A binary IPC frame carries an unknown message type.',
  LINE_TOO_LONG: 'An ISP line exceeds the configured length cap.',
  // actors and workers
  WORKER_CRASHED: 'The worker running the request exited; the request was not completed.',
  WORKER_HUNG: 'The worker stopped answering heartbeats and was replaced.',
  ACTOR_UNAVAILABLE: 'The actor has no live worker (starting, or restarting after crashes).',
  ACTOR_ERROR: 'The actor handler failed with an error that carries no code of its own.',
  // configuration
  CONFIG_INVALID: 'A configuration field is missing or has the wrong type or value.',
  RUN_DIR_UNSAFE: 'runDir is not a directory this process owns, or others can write to it.',
  CONFIG_LOAD_FAILED: 'The configuration file could not be read or evaluated.',
  // daemon control
  NOT_RUNNING: 'No daemon is running for this pid file / control socket.',
  ALREADY_RUNNING: 'A daemon is already running for this pid file.',
  // operations (runtime/resilience, hot reload)
  CIRCUIT_OPEN: 'The circuit breaker for the backend is open; the call failed fast without trying it.',
  RATE_LIMITED: "The connection exceeded its listener's request rate limit.",
  RELOAD_REJECTED: 'A config reload was refused; the running config stays.',
  // goridge (runtime/protocols/goridge.ts): the first three close the connection without a reply, as Go does; they show in logs
  GORIDGE_BAD_CRC: 'A Goridge frame header failed its CRC-32 check.',
  GORIDGE_BAD_OPTIONS: 'A Goridge frame does not carry exactly two options (seq, method length).',
  GORIDGE_BAD_METHOD_LEN: 'A Goridge frame declares a method name longer than its payload.',
  GOB_ENCODE_INVALID: 'A result cannot be encoded as Go gob for a gob (Go client) call.',
  // kafka (actors/kafka)
  KAFKA_UNKNOWN_CONNECTION: 'No Kafka connection has this name.',
  KAFKA_UNKNOWN_TOPIC: 'The topic does not exist and the connection does not auto-create topics.',
  KAFKA_UNKNOWN_PARTITION: 'The explicit partition is not one of the topic partitions.',
  KAFKA_MESSAGE_TOO_LARGE: 'The record is larger than the connection or broker limit.',
  KAFKA_NOT_AUTHORIZED: 'The broker refused the operation for this principal.',
  KAFKA_AUTH_FAILED: 'SASL authentication or the TLS handshake with the broker failed.',
  KAFKA_UNREACHABLE: 'No broker of the connection could be reached.',
  KAFKA_TIMEOUT: 'The broker did not answer within the request timeout.',
  KAFKA_NOT_ENOUGH_REPLICAS: "Fewer in-sync replicas than the topic's min.insync.replicas: the partition refuses writes that need acks from all replicas.",
  KAFKA_QUEUE_FULL: 'The async produce queue of the connection is full.',
  KAFKA_CONSUMER_NOT_FOUND: 'No consumer was initialised for this connection and topic.',
  KAFKA_SESSION_LOST: 'The consumer session was lost with a replaced kafka worker; call kafka.consume.init again.',
  KAFKA_CONSUMER_CONFLICT: 'Another group already consumes this topic on this connection.',
  KAFKA_COMMIT_FAILED: 'The broker refused the offset commit; the acks are kept and committed later.',
  KAFKA_ACK_TIMEOUT: 'A received record was not acknowledged within the ack timeout and the consumer was set to fail; call kafka.consume.init again.',
  KAFKA_ERROR: 'Another Kafka broker or client error; data.type names it.',
  // kafka multi-record produce (kafka.produce with `messages`)
  KAFKA_BATCH_TOO_LARGE: 'A multi-record produce carries more records or bytes than the per-call cap; nothing was accepted.',
  KAFKA_BATCH_PARTIAL: 'Some records of a sync multi-record produce were acknowledged and others failed; data lists both.',
  // ISP listener (gateways speaking the ISP gateway protocol) and the Modbus actor
  ISP_INVALID_UTF8: 'An ISP line is not valid UTF-8.',
  ISP_INVALID_MESSAGE: 'An ISP message lacks a required field or a field has the wrong type.',
  ISP_UNKNOWN_TYPE: 'An ISP message type is not CONFIG, DATA, STATUS, RESPONSE or HEARTBEAT.',
  ISP_WRONG_DIRECTION: 'A gateway sent a message type that only the sidecar sends (DATA).',
  MODBUS_INVALID_DEVICE: 'A Modbus device config field is missing or invalid.',
  MODBUS_INVALID_REGISTER: 'A Modbus register definition is invalid (type, quantity, address, function).',
  MODBUS_UNKNOWN_DEVICE: 'No Modbus device with this name is configured.',
  MODBUS_UNKNOWN_KEY: 'The Modbus device has no register with this key.',
  MODBUS_DEVICE_STATIC: 'The device is defined in the config file and cannot be replaced or removed at run time.',
  MODBUS_ADDRESS_NOT_ALLOWED: 'The device address (host and port, or serial path) is not on the modbus.allow or modbus.serialPorts allow-list.',
  MODBUS_DEVICE_OWNED: 'The device belongs to another ISP gateway, or was configured over IPC; this gateway cannot replace it.',
  ISP_TOO_MANY_DEVICES: 'The gateway, or all gateways together, own as many devices as listeners.isp allows.',
  MODBUS_DEVICE_DOWN: 'The Modbus device is not connected; the request was not sent.',
  MODBUS_TIMEOUT: 'The Modbus device did not answer within timeout_ms.',
  MODBUS_CONNECTION_LOST: 'The connection to the Modbus device closed while the request was in flight.',
  MODBUS_EXCEPTION: 'The Modbus device answered with an exception response.',
  MODBUS_BAD_RESPONSE: 'The Modbus device sent a response that could not be decoded.',
  MODBUS_NOT_WRITABLE: 'The register lives in a read-only table (discrete inputs or input registers).',
  MODBUS_VALUE_OUT_OF_RANGE: 'The value to write does not fit the register type.',
  // ES pipelines (Canal -> Kafka -> Elasticsearch/OpenSearch); reason codes of dead-letter records
  CANAL_MALFORMED: 'A Kafka record is not a valid Canal flat message.',
  ES_HANDLER_FAILED: 'A pipeline handler threw, or returned an invalid or unserializable operation.',
  ES_DOC_REJECTED: 'The cluster refused a document (mapping error, bad value, missing document for an update).',
  ES_PIPELINE_UNKNOWN: 'es.status was asked for a pipeline that is not configured.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
