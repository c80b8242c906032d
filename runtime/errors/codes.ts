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
  // routing and input
  UNKNOWN_METHOD: 'No actor serves this method.',
  MISSING_METHOD: 'The request carries no method name.',
  MALFORMED_JSON: 'The request payload is not valid JSON.',
  INVALID_PARAMS: 'The params do not match what the method expects.',
  MISSING_ID: 'An async request (type 0x04) carries no id to answer by.',
  UNEXPECTED_TYPE: 'A client sent a frame type only the server sends (error or async response).',
  UNSUPPORTED_CODEC: 'The request body codec is not supported for this method.',
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
  CONFIG_LOAD_FAILED: 'The configuration file could not be read or evaluated.',
  // daemon control
  NOT_RUNNING: 'No daemon is running for this pid file / control socket.',
  ALREADY_RUNNING: 'A daemon is already running for this pid file.',
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
