// Where a pipeline's Kafka TLS material comes from: PEM text as it is, a
// relative path against the config file's directory, and a file that is not
// a regular file refused with the pipeline's field before anything connects.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openPipelineKafka } from '../../../actors/es/kafka-client.ts';
import { openBulkClient } from '../../../actors/es/cluster.ts';
import { clusterSchema } from '../../../actors/es/config.ts';
import { connectionSchema, type KafkaConnection } from '../../../actors/kafka/config.ts';

const log = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'es-kafka-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const connection = (root_ca: string): KafkaConnection =>
  connectionSchema.parse({ driver: 'kafkajs', brokers: ['127.0.0.1:1'], tls: { root_ca } });

describe('pipeline kafka TLS material', () => {
  it('takes PEM text as it is (not as a path under the config directory)', async () => {
    const client = await openPipelineKafka('p', connection(PEM), dir, log);
    await client.close();
  });

  it('reads a relative path from the config directory', async () => {
    writeFileSync(join(dir, 'ca.pem'), PEM);
    const client = await openPipelineKafka('p', connection('ca.pem'), dir, log);
    await client.close();
    await expect(openPipelineKafka('p', connection('missing.pem'), dir, log)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(join(dir, 'missing.pem')) as string,
      data: { field: 'pipelines.p.kafka.tls' },
    });
  });

  it('refuses a FIFO without blocking on it', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo.pem')]);
    await expect(openPipelineKafka('p', connection('fifo.pem'), dir, log)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('cluster TLS files', () => {
  it('refuses a FIFO without blocking on it', async () => {
    const fifo = join(dir, 'cluster-fifo.pem');
    execFileSync('mkfifo', [fifo]);
    const cfg = clusterSchema.parse({ type: 'opensearch', nodes: ['https://127.0.0.1:1'], tls: { caFile: fifo } });
    await expect(openBulkClient(cfg, dir, log)).rejects.toMatchObject({ code: 'CONFIG_INVALID', data: { field: 'cluster.tls.caFile' } });
  });
});
