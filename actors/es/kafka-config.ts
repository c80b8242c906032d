// Turns a pipeline's `kafka` config block into a kafkajs client, with kafkajs
// logs routed into the pipeline's pino logger.
import type { Logger } from 'pino';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { PipelineConfig } from './config.ts';
import { tlsOptions } from './cluster.ts';

// kafkajs logs this while the broker creates __consumer_offsets on a first join, then retries; not worth an error line.
const BENIGN = /The group coordinator is not available|There is no leader for this topic-partition/;

function logCreator(log: Logger) {
  return () =>
    ({ level, log: entry, namespace }: LogEntry): void => {
      const { message, timestamp: _t, logger: _l, ...extra } = entry as { message: string; timestamp: string; logger?: string };
      const fields = { kafka: namespace, ...extra };
      if (level === logLevel.ERROR && !BENIGN.test(message)) log.error(fields, message);
      else if (level <= logLevel.WARN) log.warn(fields, message);
      else if (level === logLevel.INFO) log.debug(fields, message);
      else log.trace(fields, message);
    };
}

export function kafkaFor(pipeline: string, cfg: PipelineConfig, baseDir: string, log: Logger): Kafka {
  const k = cfg.kafka;
  const config: KafkaConfig = {
    brokers: k.brokers,
    clientId: k.clientId ?? `outrigger-es-${pipeline}`,
    connectionTimeout: k.connectionTimeoutMs,
    logLevel: logLevel.INFO,
    logCreator: logCreator(log),
    // Keep reconnecting for ~2 min per operation; the consumer restarts itself after that (restartOnFailure).
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8 },
  };
  if (k.ssl === true) config.ssl = true;
  else if (k.ssl) config.ssl = tlsOptions(k.ssl, baseDir) ?? true;
  if (k.sasl) config.sasl = { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password } as KafkaConfig['sasl'];
  return new Kafka(config);
}
