<?php

declare(strict_types=1);

namespace Outrigger\Sidecar;

use Outrigger\Sidecar\Exception\ProtocolException;
use Outrigger\Sidecar\Exception\SidecarException;
use Outrigger\Sidecar\Goridge\ConnectionPool;
use Outrigger\Sidecar\Goridge\JsonCodec;
use Outrigger\Sidecar\Goridge\MsgpackCodec;
use Outrigger\Sidecar\Goridge\RpcClient;
use Outrigger\Sidecar\Socket\Address;

/**
 * The Hi Framework sidecar's Bridge over Goridge RPC: talks to Outrigger (or the Go
 * sidecar) through the `App` service — App.Init, App.Kafka, App.Shutdown.
 *
 * Config keys (the Hi Framework's sidecar block of database.php, plus a few more):
 *   host, port        TCP address (default 127.0.0.1:6001); a host holding a whole address
 *                     (application.yaml's `sidecar.host: tcp://host:6001`) is used as `address`, or
 *   address           'tcp://host:port' / 'unix:///path/to.sock' (wins over host/port)
 *   timeout           seconds per call, default 5.0
 *   retries           extra attempts for calls that surely did not reach the sidecar, default 3
 *   retry_delay       first backoff in seconds, doubled per attempt, default 0.05
 *   codec             'json' (default, what spiral/goridge sends) or 'msgpack' (needs ext-msgpack)
 *   pool_size         connections open at once, default 4
 *   connect_timeout   seconds, default min(1.0, timeout)
 *   persistent        keep the connection across requests in this worker process; default true under PHP-FPM
 *                     and the CLI server, false elsewhere (see clients/php/README.md)
 *   token             the sidecar's shared token (security.token), presented once on every new connection;
 *                     needed over TCP when the sidecar sets one
 *
 * Failures throw Exception\ServiceException (the sidecar refused the call;
 * getErrorCode() says why), TimeoutException, ConnectionException or
 * ProtocolException — all SidecarException.
 */
final class Bridge implements BridgeInterface, BatchProducerInterface
{
    private RpcClient $rpc;

    public function __construct(array $config = [])
    {
        $host = (string) ($config['host'] ?? '127.0.0.1');
        // application.yaml's `sidecar.host` is a whole address (tcp://host.docker.internal:6001).
        $address = isset($config['address']) || str_contains($host, '://')
            ? Address::parse((string) ($config['address'] ?? $host))
            : Address::tcp($host, (int) ($config['port'] ?? 6001));
        $timeout = (float) ($config['timeout'] ?? 5.0);
        $codec = match ($config['codec'] ?? 'json') {
            'json' => new JsonCodec(),
            'msgpack' => new MsgpackCodec(),
            default => throw new \InvalidArgumentException("codec must be 'json' or 'msgpack', got '{$config['codec']}'"),
        };
        $persistent = isset($config['persistent']) ? (bool) $config['persistent'] : null;
        $token = isset($config['token']) ? (string) $config['token'] : null;
        $pool = new ConnectionPool($address, (int) ($config['pool_size'] ?? 4), (float) ($config['connect_timeout'] ?? min(1.0, $timeout)), $persistent, $token);
        $this->rpc = new RpcClient($pool, $codec, $timeout, (int) ($config['retries'] ?? 3), (float) ($config['retry_delay'] ?? 0.05));
    }

    public static function fromRpc(RpcClient $rpc): self
    {
        $bridge = new self(); // connections are opened lazily, so the default pool costs nothing
        $bridge->rpc = $rpc;
        return $bridge;
    }

    public function rpc(): RpcClient
    {
        return $this->rpc;
    }

    /** Registers the application block and the named Kafka connections (App.Init). */
    public function appInit(array $configs): bool
    {
        return $this->bool('App.Init', $configs);
    }

    /** Asks the sidecar to drain and stop (App.Shutdown). */
    public function appShutdown(): bool
    {
        return $this->bool('App.Shutdown', '');
    }

    /** Produces one message; $sync waits for the broker's acknowledgement. $key is an Outrigger extension. */
    public function produceMessage(string $connection, string $topic, string $value, array $headers = [], bool $sync = false, ?string $key = null): bool
    {
        $message = ['connection' => $connection, 'topic' => $topic, 'value' => $value, 'headers' => $headers, 'sync_mode' => $sync];
        if ($key !== null) {
            $message['key'] = $key;
        }
        return $this->kafka('produce', $message);
    }

    /**
     * Many records of one topic in one call (App.Kafka produce_messages): one round trip for all of them.
     * Entries are strings (values) or ['value' =>, 'key' =>, 'headers' =>, 'partition' =>, 'timestamp' =>].
     */
    public function produceMessages(string $connection, string $topic, array $messages, bool $sync = false): bool
    {
        $records = [];
        foreach ($messages as $m) {
            $records[] = is_string($m) ? ['value' => $m] : $m; // a list, whatever keys $messages had
        }
        return $this->bool('App.Kafka', [
            'action' => 'produce',
            'produce_messages' => ['connection' => $connection, 'topic' => $topic, 'messages' => $records, 'sync_mode' => $sync],
        ]);
    }

    /** Joins a consumer group: $groupOptions ['group_id' => ...], $consumeOptions ['topics' => [...], 'offset' => 'AtStart'|'AtEnd']. */
    public function kafkaConsumeInit(string $connection, array $groupOptions, array $consumeOptions): bool
    {
        return $this->kafka('consume_init', ['connection' => $connection, 'group_options' => $groupOptions, 'consume_options' => $consumeOptions]);
    }

    /**
     * Up to $size records, each ['topic', 'partition', 'offset', 'key', 'value', 'headers', 'timestamp'];
     * key/value are strings for UTF-8 bytes, ['base64' => ...] otherwise; an empty list when nothing arrived in time.
     *
     * @return list<array{topic: string, partition: int, offset: int, key: mixed, value: mixed, headers: array<string, mixed>, timestamp: int}>
     */
    public function kafkaConsumeReceive(string $connection, string $topic, int $size = 1): array
    {
        $records = $this->rpc->call('App.Kafka', [
            'action' => 'consume_receive',
            'consume_receive_message' => ['connection' => $connection, 'topic' => $topic, 'size' => $size],
        ]);
        if (!is_array($records)) {
            throw new ProtocolException('App.Kafka consume_receive answered ' . get_debug_type($records) . ', expected a list of records');
        }
        return $records;
    }

    /** Commits the offsets of the records received for $topic. */
    public function kafkaConsumeAck(string $connection, string $topic): bool
    {
        return $this->kafka('consume_ack', ['connection' => $connection, 'topic' => $topic]);
    }

    /** Leaves the consumer group of $connection. */
    public function kafkaConsumeClose(string $connection): bool
    {
        return $this->kafka('consume_close', ['connection' => $connection]);
    }

    /** Closes this bridge's idle connections; the worker's kept connection (persistent mode) stays for the next request. */
    public function close(): void
    {
        $this->rpc->close();
    }

    private function kafka(string $action, array $message): bool
    {
        return $this->bool('App.Kafka', ['action' => $action, "{$action}_message" => $message]);
    }

    /** @throws SidecarException */
    private function bool(string $method, mixed $payload): bool
    {
        $result = $this->rpc->call($method, $payload);
        if (!is_bool($result)) {
            throw new ProtocolException("$method answered " . get_debug_type($result) . ', expected bool');
        }
        return $result;
    }
}
