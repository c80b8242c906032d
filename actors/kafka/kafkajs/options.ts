// A named connection (the App API's shape) as a kafkajs client config. TLS
// material is PEM text, or read from the PEM files the connection names,
// once, when the connection is registered, so a wrong path is reported then.
// Which paths a client may name is the registry's check (kafka.tlsFiles).
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, LogEntry, SASLOptions, logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { isInlinePem, type KafkaConnection, MAX_PEM_BYTES } from '../config.ts';
import { readRegularFile } from '../../../runtime/security/safe-file.ts';
import { OutriggerError } from '../../../runtime/errors/error.ts';

/** Inline PEM as it is; a path is opened without blocking and must be a regular file (a FIFO would hang the worker). */
function readPem(connection: string, field: string, value: string): string {
  if (isInlinePem(value)) return value;
  try {
    return readRegularFile(value, { maxBytes: MAX_PEM_BYTES, what: `tls.${field}` }).toString('utf8');
  } catch (err) {
    throw new OutriggerError('CONFIG_INVALID', `kafka connection '${connection}': ${(err as Error).message}`, {
      field: `kafka.connections.${connection}.tls.${field}`,
    });
  }
}

export function tlsOptions(name: string, c: KafkaConnection): ConnectionOptions | boolean {
  const tls = c.tls;
  if (!tls?.enabled) return false;
  const opts: ConnectionOptions = { rejectUnauthorized: !tls.insecure_skip_verify };
  if (tls.root_ca) opts.ca = [readPem(name, 'root_ca', tls.root_ca)];
  if (tls.cert) opts.cert = readPem(name, 'cert', tls.cert);
  if (tls.key) opts.key = readPem(name, 'key', tls.key);
  if (tls.server_name) opts.servername = tls.server_name;
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    throw new OutriggerError('CONFIG_INVALID', `kafka connection '${name}': tls.cert and tls.key go together (mutual TLS needs both)`, {
      field: `kafka.connections.${name}.tls`,
    });
  }
  return opts;
}

function saslOptions(c: KafkaConnection): SASLOptions | undefined {
  const s = c.sasl;
  if (!s) return undefined;
  const mechanism = s.type === 'plain' ? 'plain' : s.type === 'scram_sha_256' ? 'scram-sha-256' : 'scram-sha-512';
  return { mechanism, username: s.username, password: s.password } as SASLOptions;
}

/** kafkajs logs through pino; its ERRORs are mostly retried conditions, so they arrive as warnings. */
function pinoLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      const fields = { kafkajs: namespace, ...rest };
      // kafkajs levels: ERROR 1, WARN 2, INFO 4, DEBUG 5.
      if (level <= 2) log.warn(fields, message);
      else if (level === 4) log.debug(fields, message);
      else log.trace(fields, message);
    };
}

export function kafkajsConfig(name: string, c: KafkaConnection, log: Logger, tls: ConnectionOptions | boolean): KafkaConfig {
  const config: KafkaConfig = {
    clientId: c.client_id ?? `outrigger-${name}`,
    brokers: c.brokers,
    connectionTimeout: c.ping.timeout,
    authenticationTimeout: c.ping.timeout,
    requestTimeout: c.request_timeout,
    retry: { retries: c.retry.retries, initialRetryTime: c.retry.initial, maxRetryTime: c.retry.max },
    logLevel: log.isLevelEnabled('debug') ? 4 : 2, // kafkajs INFO : WARN
    logCreator: pinoLogCreator(log),
  };
  if (tls) config.ssl = tls;
  const sasl = saslOptions(c);
  if (sasl) config.sasl = sasl;
  return config;
}
