<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\BatchProducerInterface;
use Outrigger\Sidecar\Bridge;
use Outrigger\Sidecar\BridgeInterface;
use Outrigger\Sidecar\Exception\ServiceException;
use PHPUnit\Framework\TestCase;

/**
 * The App API's whole Kafka flow from PHP, through Outrigger's App API and
 * Kafka actor, against a real Kafka broker: App.Init with a named connection,
 * produce (sync and async, key, headers), consumer group init, receive, ack,
 * close — over JSON and over msgpack.
 */
final class BridgeKafkaTest extends TestCase
{
    /** @return array<string, array{0: string}> */
    public static function codecs(): array
    {
        return ['json' => ['json'], 'msgpack' => ['msgpack']];
    }

    /** @dataProvider codecs */
    public function testProduceThenConsumeThroughTheSidecar(string $codec): void
    {
        $run = Env::get('OUTRIGGER_KAFKA_RUN');
        $topic = "php-bridge-$codec-$run";
        $bridge = new Bridge(['address' => Env::get('OUTRIGGER_KAFKA_GORIDGE'), 'codec' => $codec, 'timeout' => 20.0]);
        self::assertTrue($bridge->appInit([
            'application' => ['name' => 'php-bridge-test', 'env' => 'test'],
            'kafka' => ['kafka-common' => ['brokers' => [Env::get('OUTRIGGER_KAFKA_BROKERS')], 'auto_create_topics_enable' => true, 'ping' => ['timeout' => '10s']]],
        ]));

        self::assertTrue($bridge->produceMessage('kafka-common', $topic, '{"id":0}', ['source' => 'php-app'], true, 'order-0'));
        for ($i = 1; $i < 5; $i++) {
            self::assertTrue($bridge->produceMessage('kafka-common', $topic, json_encode(['id' => $i]), ['attempt' => (string) $i], $i % 2 === 0));
        }

        self::assertTrue($bridge->kafkaConsumeInit('kafka-common', ['group_id' => "php-group-$codec-$run", 'session_timeout' => '10s'], ['topics' => [$topic], 'offset' => 'AtStart']));
        $records = [];
        $deadline = microtime(true) + 30;
        while (count($records) < 5 && microtime(true) < $deadline) {
            foreach ($bridge->kafkaConsumeReceive('kafka-common', $topic, 10) as $r) {
                $records[] = $r;
            }
        }
        self::assertCount(5, $records, 'every produced record is received');
        usort($records, static fn (array $a, array $b) => $a['offset'] <=> $b['offset']);
        self::assertSame($topic, $records[0]['topic']);
        self::assertSame('{"id":0}', $records[0]['value']);
        self::assertSame('order-0', $records[0]['key']);
        self::assertSame(['source' => 'php-app'], $records[0]['headers']);
        self::assertIsInt($records[0]['timestamp']);
        self::assertSame(['{"id":0}', '{"id":1}', '{"id":2}', '{"id":3}', '{"id":4}'], array_column($records, 'value'));
        self::assertNull($records[1]['key']);
        self::assertTrue($bridge->kafkaConsumeAck('kafka-common', $topic));
        self::assertTrue($bridge->kafkaConsumeClose('kafka-common'));
    }

    /** @dataProvider codecs */
    public function testProduceMessagesSendsManyRecordsPerCall(string $codec): void
    {
        $run = Env::get('OUTRIGGER_KAFKA_RUN');
        $topic = "php-bridge-many-$codec-$run";
        $bridge = new Bridge(['address' => Env::get('OUTRIGGER_KAFKA_GORIDGE'), 'codec' => $codec, 'timeout' => 20.0]);
        self::assertInstanceOf(BatchProducerInterface::class, $bridge);
        self::assertTrue($bridge->appInit([
            'kafka' => ['kafka-common' => ['brokers' => [Env::get('OUTRIGGER_KAFKA_BROKERS')], 'auto_create_topics_enable' => true, 'ping' => ['timeout' => '10s']]],
        ]));
        $synced = [];
        for ($i = 0; $i < 50; $i++) {
            $synced[] = ['value' => json_encode(['id' => $i]), 'key' => "order-$i", 'headers' => ['seq' => (string) $i]];
        }
        self::assertTrue($bridge->produceMessages('kafka-common', $topic, $synced, true));
        self::assertTrue($bridge->produceMessages('kafka-common', $topic, ['plain-a', 'plain-b', ['value' => 'with-empty-headers', 'headers' => []]]));

        try {
            $bridge->produceMessages('kafka-common', $topic, ['kept', ['value' => 'nowhere', 'partition' => 7]], true);
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('KAFKA_BATCH_PARTIAL', $e->getErrorCode());
            self::assertStringContainsString('messages[1]: KAFKA_UNKNOWN_PARTITION', $e->getMessage());
        }
        try {
            $bridge->produceMessages('kafka-common', $topic, ['ok', ['value' => ['not' => 'a string']]]);
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('INVALID_PARAMS', $e->getErrorCode());
            self::assertStringContainsString('payload.produce_messages.messages[1].value', $e->getMessage());
        }

        self::assertTrue($bridge->kafkaConsumeInit('kafka-common', ['group_id' => "php-many-$codec-$run"], ['topics' => [$topic], 'offset' => 'AtStart']));
        $records = [];
        $deadline = microtime(true) + 30;
        while (count($records) < 54 && microtime(true) < $deadline) {
            foreach ($bridge->kafkaConsumeReceive('kafka-common', $topic, 100) as $r) {
                $records[] = $r;
            }
        }
        self::assertCount(54, $records, 'the 50 sync records, the 3 async ones and the acknowledged one of the partial call');
        usort($records, static fn (array $a, array $b) => $a['offset'] <=> $b['offset']);
        self::assertSame(
            [...array_column($synced, 'value'), 'plain-a', 'plain-b', 'with-empty-headers', 'kept'],
            array_column($records, 'value'),
        );
        self::assertSame('order-7', $records[7]['key']);
        self::assertSame(['seq' => '7'], $records[7]['headers']);
        self::assertTrue($bridge->kafkaConsumeAck('kafka-common', $topic));
        self::assertTrue($bridge->kafkaConsumeClose('kafka-common'));
    }

    public function testKafkaErrorsKeepTheirCodes(): void
    {
        $bridge = new Bridge(['address' => Env::get('OUTRIGGER_KAFKA_GORIDGE')]);
        try {
            $bridge->produceMessage('no-such-connection', 'orders', 'x', [], true);
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('KAFKA_UNKNOWN_CONNECTION', $e->getErrorCode());
        }
        self::assertInstanceOf(BridgeInterface::class, $bridge);
    }
}
