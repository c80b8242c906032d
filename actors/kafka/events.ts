// What the kafka actor publishes to the main thread, so that what a replaced
// worker lost can be restored or reported (restore.ts).

/** A connection registered at run time (kafka.connections.set, App.Init), or one replaced. */
export const CONNECTION_TOPIC = 'kafka.connection';
/** A consumer started or closed. */
export const CONSUMER_TOPIC = 'kafka.consumer';

export interface ConnectionEvent {
  name: string;
  /** The connection as it was sent, to register it again. */
  config: unknown;
  /** It replaced a connection of that name (whose consumers closed). */
  replaced: boolean;
  worker: number;
}

export interface ConsumerEvent {
  connection: string;
  topics: string[];
  event: 'started' | 'closed';
  worker: number;
}
