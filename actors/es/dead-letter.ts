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
import { Backoff } from '../../runtime/resilience/backoff.ts';
import type { PipelineLimits } from './config.ts';
import type { DriverClient, OutgoingRecord } from '../kafka/driver.ts';

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
  written = 0;

  constructor(
    readonly client: DriverClient,
    readonly topic: string,
    readonly pipeline: string,
    readonly limits: PipelineLimits,
    /** Per produce request (the connection's request_timeout). */
    readonly timeoutMs: number,
    readonly log: Logger,
  ) {}

  /**
   * Writes the records, retrying until Kafka acknowledges them (acks=all) or
   * the signal aborts (then false: the source offsets stay uncommitted and
   * are redelivered).
   */
  async write(letters: readonly DeadLetter[], signal: AbortSignal, onError: (err: Error) => void): Promise<boolean> {
    if (letters.length === 0) return true;
    const at = new Date().toISOString();
    const header = (k: string, v: string): { key: string; value: Buffer } => ({ key: k, value: Buffer.from(v) });
    const records: OutgoingRecord[] = letters.map((l) => ({
      topic: this.topic,
      key: Buffer.from(l.key),
      value: JSON.stringify({ pipeline: this.pipeline, at, ...l }),
      headers: [
        header('x-outrigger-pipeline', this.pipeline),
        header('x-outrigger-reason', l.reason.code),
        header('x-source-topic', l.source.topic),
        header('x-source-partition', String(l.source.partition)),
        header('x-source-offset', String(l.source.offset)),
      ],
    }));
    const backoff = new Backoff({ initialMs: this.limits.retryBackoffMs.initial, maxMs: this.limits.retryBackoffMs.max });
    for (;;) {
      try {
        await this.client.produce(records, { timeoutMs: this.timeoutMs });
        this.written += letters.length;
        return true;
      } catch (err) {
        onError(err as Error);
        this.log.warn({ err: (err as Error).message, topic: this.topic, records: letters.length }, 'dead-letter write failed; retrying');
        if (!(await backoff.wait(signal))) return false;
      }
    }
  }
}
