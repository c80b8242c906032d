import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput as OutriggerConfigInput } from '../../../index.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';
import { phpunit } from './run-phpunit.ts';

/*
 * clients/php/tests/BridgeKafkaTest.php: the App API's Kafka flow from PHP
 * (App.Init, produce, consume init/receive/ack/close) through the Goridge
 * listener, the App API and the Kafka actor (kafkajs driver) to the real
 * Kafka 3.9.1 test peer (`test/peers/kafka.sh start`, 127.0.0.1:19092).
 * It fails when the broker is down. It runs where the Kafka actor is part of
 * the tree (actors/kafka).
 */

const BROKER = { host: '127.0.0.1', port: 19092 };
const kafkaActorPresent = existsSync(fileURLToPath(new URL('../../../actors/kafka/index.ts', import.meta.url)));
const kafkaPeerHelper = new URL('../../actors/kafka/kafka-peer.ts', import.meta.url).href;

function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(BROKER);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('PHP bridge: Kafka round trip through Outrigger to the real broker', () => {
  let d: TestDaemon | undefined;
  let release: (() => void) | undefined;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    if (!kafkaActorPresent) return;
    if (!(await reachable())) {
      throw new Error(`the Kafka test peer is not running on ${BROKER.host}:${BROKER.port}: start it with \`test/peers/kafka.sh start\``);
    }
    // The Kafka tests that kill and restart the broker must not run meanwhile.
    mkdirSync(fileURLToPath(new URL('../../../.peers/kafka/', import.meta.url)), { recursive: true });
    const helper = (await import(kafkaPeerHelper)) as { lockKafkaPeer?: () => Promise<() => void> };
    release = await helper.lockKafkaPeer?.();
    // The bridge calls App.Init, which registers connections: the app reaches the daemon over its
    // unix socket, as on a shared host (docs/security.md).
    const config = {
      listeners: { goridge: { unix: { path: 'goridge.sock' } } },
      kafka: { driver: 'kafkajs' },
    } as unknown as OutriggerConfigInput;
    d = await startTestDaemon(config);
    Object.assign(env, {
      OUTRIGGER_KAFKA_GORIDGE: `unix://${d.runDir}/goridge.sock`,
      OUTRIGGER_KAFKA_BROKERS: `${BROKER.host}:${BROKER.port}`,
      OUTRIGGER_KAFKA_RUN: randomUUID().slice(0, 8),
    });
  }, 120_000);
  afterAll(async () => {
    await d?.stop();
    release?.();
  });

  it.skipIf(!kafkaActorPresent)('passes BridgeKafkaTest (JSON and msgpack)', async () => {
    const { code, output } = await phpunit(env, 'kafka');
    if (code !== 0) console.error(output);
    expect(output).toMatch(/OK \(\d+ tests, \d+ assertions\)/);
    expect(code).toBe(0);
  }, 180_000);
});
