// Dead-letter records: what the cluster rejected, or what could not be turned
// into operations, goes to a Kafka topic with the reason, so nothing is lost
// and the pipeline keeps going. A record counts as handled (its offset may be
// committed) only once the dead-letter write is acknowledged; until then it
// is retried with backoff.
//
// Record value (JSON):
//   { "pipeline", "at": ISO time,
//     "reason": { "code": CANAL_MALFORMED | ES_HANDLER_FAILED | ES_DOC_REJECTED, "message", "status"?, "type"? },
//     "source": { "topic", "partition", "offset", "database"?, "table"?, "type"?, "es"? },
//     "operation"?: { "action", "index", "id", "version" },     rejected documents
//     "document"?: {...},                                      the body that was sent (index/update)
//     "row"?: {...},                                           the Canal row (handler failures)
//     "value"?: "..." }                                        the raw record (undecodable messages)
// Key: "<index>/<id>" for documents, else "<topic>/<partition>/<offset>".
// Headers: x-outrigger-pipeline, x-outrigger-reason (the code), x-source-topic/-partition/-offset.
import type { Logger } from 'pino';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { Backoff } from '../../runtime/resilience/backoff.ts';
import type { PipelineLimits } from './config.ts';

export interface DeadLetter {
  key: string;
  reason: { code: string; message: string; status?: number; type?: string };
  source: { topic: string; partition: number; offset: number; database?: string; table?: string; type?: string; es?: number };
  operation?: { action: string; index: string; id: string; version: string };
  document?: unknown;
  row?: unknown;
  value?: string;
}

export class DeadLetterWriter {
  readonly #producer: Producer;
  #connected: Promise<void> | null = null;
  written = 0;

  constructor(
    kafka: Kafka,
    readonly topic: string,
    readonly pipeline: string,
    readonly limits: PipelineLimits,
    readonly log: Logger,
  ) {
    this.#producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  #connect(): Promise<void> {
    this.#connected ??= this.#producer.connect().catch((err: unknown) => {
      this.#connected = null;
      throw err;
    });
    return this.#connected;
  }

  /**
   * Writes the records, retrying until Kafka acknowledges them or the signal
   * aborts (then false: the source offsets stay uncommitted and are redelivered).
   */
  async write(letters: readonly DeadLetter[], signal: AbortSignal, onError: (err: Error) => void): Promise<boolean> {
    if (letters.length === 0) return true;
    const at = new Date().toISOString();
    const messages = letters.map((l) => ({
      key: l.key,
      value: JSON.stringify({ pipeline: this.pipeline, at, ...l }),
      headers: {
        'x-outrigger-pipeline': this.pipeline,
        'x-outrigger-reason': l.reason.code,
        'x-source-topic': l.source.topic,
        'x-source-partition': String(l.source.partition),
        'x-source-offset': String(l.source.offset),
      },
    }));
    const backoff = new Backoff({ initialMs: this.limits.retryBackoffMs.initial, maxMs: this.limits.retryBackoffMs.max });
    for (;;) {
      try {
        await this.#connect();
        await this.#producer.send({ topic: this.topic, acks: -1, messages });
        this.written += letters.length;
        return true;
      } catch (err) {
        onError(err as Error);
        this.log.warn({ err: (err as Error).message, topic: this.topic, records: letters.length }, 'dead-letter write failed; retrying');
        if (!(await backoff.wait(signal))) return false;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#producer.disconnect().catch(() => {});
  }
}
