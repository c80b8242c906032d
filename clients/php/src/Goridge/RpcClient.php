<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

use Outrigger\Sidecar\Exception\ConnectionException;
use Outrigger\Sidecar\Exception\PoolExhaustedException;
use Outrigger\Sidecar\Exception\ServiceException;
use Outrigger\Sidecar\Exception\TimeoutException;
use Outrigger\Sidecar\Socket\Address;

/**
 * Goridge v3 RPC client (the wire format of spiral/goridge and RoadRunner):
 * pooled connections (kept across requests under PHP-FPM, see
 * ConnectionPool), a deadline per call, and retries that never repeat a
 * call the sidecar may already have carried out.
 *
 * Retried (up to `retries` times, backing off from `retryDelay`): a failed
 * connect, a send that failed, and a reused idle connection the sidecar
 * closed before answering (a connection kept from an earlier request too:
 * the sidecar may have restarted since). Not retried: timeouts, error replies, a
 * connection that broke after the reply began.
 */
final class RpcClient
{
    private Codec $codec;

    public function __construct(
        private readonly ConnectionPool $pool,
        ?Codec $codec = null,
        public readonly float $timeout = 5.0,
        public readonly int $retries = 3,
        public readonly float $retryDelay = 0.05,
    ) {
        $this->codec = $codec ?? new JsonCodec();
        if ($timeout <= 0) {
            throw new \InvalidArgumentException('timeout must be positive');
        }
    }

    /**
     * $persistent: keep the connection across requests (null: where PHP keeps the worker, see ConnectionPool).
     * $token: the sidecar's shared token, presented on every new connection (docs/security.md).
     */
    public static function create(string $address = 'tcp://127.0.0.1:6001', ?Codec $codec = null, float $timeout = 5.0, int $retries = 3, int $poolSize = 4, ?bool $persistent = null, ?string $token = null): self
    {
        return new self(new ConnectionPool(Address::parse($address), $poolSize, min(1.0, $timeout), $persistent, $token), $codec, $timeout, $retries);
    }

    /** A client sharing this one's connections, calling with another codec. */
    public function withCodec(Codec $codec): self
    {
        $clone = clone $this;
        $clone->codec = $codec;
        return $clone;
    }

    public function codec(): Codec
    {
        return $this->codec;
    }

    public function pool(): ConnectionPool
    {
        return $this->pool;
    }

    /**
     * Calls `Service.Method` with $payload and returns the decoded result.
     *
     * @throws ServiceException the sidecar answered with an error
     * @throws TimeoutException no reply within the timeout
     * @throws ConnectionException the sidecar could not be reached or the connection broke
     */
    public function call(string $method, mixed $payload = null, ?float $timeout = null): mixed
    {
        $body = $this->codec->encode($payload);
        $deadline = microtime(true) + ($timeout ?? $this->timeout);
        for ($attempt = 0; ; $attempt++) {
            $connection = null;
            $failure = null;
            try {
                [$connection, $reused] = $this->pool->acquire($deadline);
                $frame = $connection->call($method, $this->codec->flag(), $body, $deadline, $failure);
            } catch (TimeoutException | PoolExhaustedException $e) {
                $this->drop($connection);
                throw $e;
            } catch (ConnectionException $e) {
                $this->drop($connection);
                // Safe to repeat only if the sidecar cannot have carried the call out.
                $safe = $connection === null
                    || $failure === Connection::NOT_SENT
                    || ($failure === Connection::CLOSED_UNANSWERED && $reused);
                if (!$safe || $attempt >= $this->retries || microtime(true) >= $deadline) {
                    throw $e;
                }
                if ($attempt > 0 || $failure !== Connection::CLOSED_UNANSWERED) {
                    // A reused connection found closed (the sidecar restarted since) is replaced at once; else back off.
                    usleep((int) (min($this->retryDelay * 2 ** $attempt, max(0.0, $deadline - microtime(true))) * 1_000_000));
                }
                continue;
            } catch (\Throwable $e) {
                $this->drop($connection);
                throw $e;
            }
            $this->pool->release($connection);
            if ($frame->isError()) {
                throw ServiceException::fromGoridgeText($frame->body, $method);
            }
            return $this->codec->decode($frame->body);
        }
    }

    public function close(): void
    {
        $this->pool->close();
    }

    private function drop(?Connection $connection): void
    {
        if ($connection !== null) {
            $this->pool->discard($connection);
        }
    }
}
