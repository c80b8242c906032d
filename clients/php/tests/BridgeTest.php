<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\Bridge;
use Outrigger\Sidecar\Exception\ServiceException;
use Outrigger\Sidecar\Goridge\RpcClient;
use PHPUnit\Framework\TestCase;

/**
 * The Bridge against a live daemon whose App API forwards to a Kafka actor
 * that does not exist (app.kafkaActor 'absent-kafka'): App.Init of the
 * application block, validation of every App.Kafka shape (done before any
 * Kafka work), and the App API's documented double-encoded payload style. The Kafka round
 * trip itself is BridgeKafkaTest, against a broker.
 */
final class BridgeTest extends TestCase
{
    /** @return array<string, array{0: array<string, mixed>}> */
    public static function configs(): array
    {
        return [
            'json over tcp' => [['address' => Env::get('OUTRIGGER_GORIDGE_TCP')]],
            'msgpack over unix' => [['address' => Env::get('OUTRIGGER_GORIDGE_UNIX'), 'codec' => 'msgpack']],
            'Hi Framework host/port config' => [self::hostPort()],
            'application.yaml sidecar.host address' => [['host' => Env::get('OUTRIGGER_GORIDGE_TCP')]],
        ];
    }

    /** @dataProvider configs */
    public function testAppInitWithTheApplicationBlock(array $config): void
    {
        $bridge = new Bridge($config);
        self::assertTrue($bridge->appInit(['application' => ['name' => 'typing-jupiter', 'module' => 'jupiter', 'env' => 'production']]));
        self::assertTrue($bridge->appInit([]), 'an empty PHP array is an empty configs object');
        $bridge->close();
    }

    public function testAppInitNamesTheBadFieldAndNeverEchoesTheSecret(): void
    {
        $bridge = new Bridge(['address' => Env::goridgeTcp()]);
        try {
            $bridge->appInit(['kafka' => ['aliyun-kafka-public' => [
                'brokers' => ['your-cluster:9092'],
                'sasl' => ['type' => 'scram-sha-256', 'username' => 'user', 'password' => 'pass-w0rd-secret'],
            ]]]);
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('INVALID_PARAMS', $e->getErrorCode());
            self::assertStringContainsString('configs.kafka.aliyun-kafka-public.sasl.type', $e->getMessage());
            self::assertStringNotContainsString('pass-w0rd-secret', $e->getMessage());
        }
    }

    public function testKafkaCallsAreValidatedFieldByField(): void
    {
        $bridge = new Bridge(['address' => Env::goridgeTcp()]);
        $cases = [
            'payload.produce_message.topic: must be a non-empty string' => fn () => $bridge->produceMessage('kafka-common', '', 'v'),
            'payload.produce_message.headers.attempt: header values must be strings' => fn () => $bridge->produceMessage('kafka-common', 't', 'v', ['attempt' => 3]),
            'payload.produce_messages.messages: must hold at least one record' => fn () => $bridge->produceMessages('kafka-common', 't', []),
            'payload.produce_messages.topic: must be a non-empty string' => fn () => $bridge->produceMessages('kafka-common', '', ['v']),
            'payload.consume_init_message.group_options.group_id' => fn () => $bridge->kafkaConsumeInit('kafka-common', [], ['topics' => ['t']]),
            'payload.consume_init_message.consume_options.topics: must list at least one topic' => fn () => $bridge->kafkaConsumeInit('kafka-common', ['group_id' => 'g'], ['topics' => []]),
            'payload.consume_receive_message.size: must be >= 1' => fn () => $bridge->kafkaConsumeReceive('kafka-common', 't', 0),
            'payload.consume_ack_message.topic: must be a non-empty string' => fn () => $bridge->kafkaConsumeAck('kafka-common', ''),
            'payload.consume_close_message.connection: must be a non-empty string' => fn () => $bridge->kafkaConsumeClose(''),
        ];
        foreach ($cases as $expected => $call) {
            try {
                $call();
                self::fail("expected INVALID_PARAMS: $expected");
            } catch (ServiceException $e) {
                self::assertSame('INVALID_PARAMS', $e->getErrorCode(), $e->getMessage());
                self::assertStringContainsString($expected, $e->getMessage());
            }
        }
    }

    public function testAValidCallWithoutAKafkaActorSaysWhatIsMissing(): void
    {
        $bridge = new Bridge(['address' => Env::goridgeTcp()]);
        try {
            $bridge->produceMessage('kafka-common', 'orders', '{"id":1}', ['source' => 'php-app'], true);
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('UNKNOWN_METHOD', $e->getErrorCode());
            self::assertStringContainsString("runs no Kafka actor 'absent-kafka'", $e->getMessage());
        }
    }

    public function testTheHiFrameworkBridgesDoubleEncodedPayloadIsAcceptedToo(): void
    {
        // The Hi Framework's Bridge: $this->call('Kafka', json_encode($payload)) -- a JSON string holding JSON.
        $rpc = RpcClient::create(Env::goridgeTcp());
        self::assertTrue($rpc->call('App.Init', json_encode(['application' => ['name' => 'seed']])));
        try {
            $rpc->call('App.Kafka', json_encode(['action' => 'produce', 'produce_message' => ['connection' => 'c', 'topic' => 't']]));
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('INVALID_PARAMS', $e->getErrorCode());
            self::assertStringContainsString('payload.produce_message.value', $e->getMessage());
        }
    }

    /** @return array<string, mixed> */
    private static function hostPort(): array
    {
        $url = parse_url(Env::get('OUTRIGGER_GORIDGE_TCP'));
        return ['host' => $url['host'], 'port' => $url['port'], 'timeout' => 5.0, 'retries' => 3];
    }
}
