<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Ipc;

use Outrigger\Sidecar\Exception\ConnectionException;
use Outrigger\Sidecar\Exception\PoolExhaustedException;
use Outrigger\Sidecar\Exception\ProtocolException;
use Outrigger\Sidecar\Exception\ServiceException;
use Outrigger\Sidecar\Exception\SidecarException;
use Outrigger\Sidecar\Exception\TimeoutException;
use Outrigger\Sidecar\Socket\Address;

/**
 * Client of the binary IPC protocol (the design of its reference UnixSocketReader),
 * without its bugs: every read is complete and bounded by a deadline, the
 * connection pool is bounded (20 by default), idle connections are health
 * checked with a heartbeat round trip (not a blind write that leaves an
 * unread reply behind), async callbacks expire after 30 s, and a failure or
 * a throwing callback affects only its own request.
 *
 * Sync:   $client->call('sys.echo', ['a' => 1])            -> result, or throws
 * Async:  $id = $client->sendAsync('kafka.produce', $params, function ($result, ?SidecarException $error, string $id) {...});
 *         $client->poll(0.1);   // runs callbacks of replies that arrived, and of expired requests
 *         $client->wait(5.0);   // until every async request is settled (or the timeout)
 */
final class IpcClient
{
    /** @var list<IpcConnection> */
    private array $connections = [];
    /** @var array<string, array{connection: IpcConnection, callback: callable, expires: float, method: string}> */
    private array $async = [];
    private readonly Address $address;
    /** First exception a callback threw; rethrown by the next poll()/wait() so no other request is disturbed. */
    private ?\Throwable $callbackError = null;

    public function __construct(
        string $address = 'unix:///tmp/outrigger/ipc.sock',
        public readonly float $timeout = 5.0,
        public readonly int $maxConnections = 20,
        public readonly float $asyncTimeout = 30.0,
        /** A connection idle for longer than this is checked with a heartbeat before a sync call uses it. */
        public readonly float $healthCheckAfter = 5.0,
        /** Async requests per connection before another connection is opened (while under maxConnections). */
        public readonly int $asyncPerConnection = 64,
        public readonly int $maxFrameBytes = 16 * 1024 * 1024,
        /** The daemon's shared token (security.token): presented with session.auth on every new connection. */
        public readonly ?string $token = null,
    ) {
        $this->address = Address::parse($address);
        if ($maxConnections < 1) {
            throw new \InvalidArgumentException('maxConnections must be at least 1');
        }
    }

    /**
     * A sync request (type 0x01): sends it and waits for its reply.
     *
     * @throws ServiceException the daemon answered with an error frame (getErrorCode() is its code)
     * @throws TimeoutException|ConnectionException|ProtocolException
     */
    public function call(string $method, mixed $params = null, ?float $timeout = null): mixed
    {
        $deadline = microtime(true) + ($timeout ?? $this->timeout);
        $id = self::uuid4();
        $payload = self::json(['id' => $id, 'method' => $method, 'params' => $params]);
        for ($attempt = 0; ; $attempt++) {
            [$connection, $reused] = $this->connectionForSync($deadline);
            $sent = false;
            try {
                $connection->send(Frame::SYNC, $payload, $deadline);
                $sent = true;
                $result = $this->awaitSyncReply($connection, $id, $method, $deadline, $eof);
                $connection->stream->lastUsed = microtime(true);
                return $result;
            } catch (TimeoutException $e) {
                $this->remove($connection);
                throw $e;
            } catch (ConnectionException $e) {
                $this->remove($connection);
                // Repeat only what the daemon cannot have run: not sent, or a reused connection closed before answering.
                $repeatable = !$sent || (($eof ?? false) && $reused);
                if ($attempt >= 1 || !$repeatable || microtime(true) >= $deadline) {
                    throw $e;
                }
            } catch (ProtocolException $e) {
                $this->remove($connection);
                throw $e;
            }
        }
    }

    /**
     * An async request (type 0x04). The callback runs from poll()/wait()
     * (or while a later sync call waits on the same connection) as
     * callback(mixed $result, ?SidecarException $error, string $id); after
     * asyncTimeout seconds without a reply it runs with a TimeoutException.
     *
     * @return string the request id (UUIDv4)
     */
    public function sendAsync(string $method, mixed $params, callable $callback): string
    {
        $id = self::uuid4();
        $payload = self::json(['id' => $id, 'method' => $method, 'params' => $params]);
        $connection = $this->connectionForAsync(microtime(true) + $this->timeout);
        try {
            $connection->send(Frame::ASYNC_REQUEST, $payload, microtime(true) + $this->timeout);
        } catch (ConnectionException $e) {
            $this->remove($connection);
            throw $e;
        }
        $connection->asyncPending++;
        $this->async[$id] = ['connection' => $connection, 'callback' => $callback, 'expires' => microtime(true) + $this->asyncTimeout, 'method' => $method];
        return $id;
    }

    /**
     * Runs the callbacks of async replies that arrive within $timeout seconds
     * (0: only those already here) and of requests past their expiry.
     *
     * @return int callbacks run
     * @throws \Throwable the first exception a callback threw (here or during an earlier sync call), after every other callback has run
     */
    public function poll(float $timeout = 0.0): int
    {
        $deadline = microtime(true) + $timeout;
        $fired = 0;
        do {
            $fired += $this->expire();
            $waiting = array_values(array_filter($this->connections, static fn (IpcConnection $c) => $c->asyncPending > 0));
            if ($waiting === []) {
                break;
            }
            $until = min($deadline, min(array_column($this->async, 'expires')));
            $read = array_map(static fn (IpcConnection $c) => $c->stream->resource(), $waiting);
            $write = null;
            $except = null;
            $left = max(0.0, $until - microtime(true));
            $n = @stream_select($read, $write, $except, (int) $left, (int) (($left - (int) $left) * 1_000_000));
            if ($n === false) {
                break;
            }
            foreach ($waiting as $connection) {
                if (in_array($connection->stream->resource(), $read, true)) {
                    $fired += $this->readAsyncFrame($connection);
                }
            }
        } while (microtime(true) < $deadline);
        $fired += $this->expire();
        $this->rethrowCallbackError();
        return $fired;
    }

    /** Polls until no async request is pending or $timeout seconds have passed; returns callbacks run. */
    public function wait(?float $timeout = null): int
    {
        $deadline = microtime(true) + ($timeout ?? $this->asyncTimeout + 1.0);
        $fired = 0;
        while ($this->async !== [] && microtime(true) < $deadline) {
            $fired += $this->poll(min(0.5, max(0.0, $deadline - microtime(true))));
        }
        return $fired;
    }

    /** Async requests not yet settled. */
    public function pending(): int
    {
        return count($this->async);
    }

    /** Heartbeat round trip on a pooled connection, in seconds. */
    public function ping(?float $timeout = null): float
    {
        $deadline = microtime(true) + ($timeout ?? $this->timeout);
        [$connection] = $this->connectionForSync($deadline, false);
        $start = microtime(true);
        if (!$this->heartbeat($connection, $deadline)) {
            throw new ConnectionException("no heartbeat reply from {$this->address}");
        }
        return microtime(true) - $start;
    }

    public function connectionCount(): int
    {
        return count($this->connections);
    }

    /** Closes every connection; pending async requests get a ConnectionException callback. */
    public function close(): void
    {
        foreach ($this->connections as $c) {
            $this->failConnection($c, new ConnectionException('client closed'));
        }
        $this->connections = [];
        $this->rethrowCallbackError();
    }

    public function __destruct()
    {
        foreach ($this->connections as $c) {
            $c->close();
        }
    }

    /** @return array{0: IpcConnection, 1: bool} connection, and whether it was reused */
    private function connectionForSync(float $deadline, bool $healthCheck = true): array
    {
        // An idle connection first; one idle for long is checked before use.
        foreach ($this->connections as $c) {
            if ($c->asyncPending > 0) {
                continue;
            }
            if ($c->isClosed() || $c->stream->readable() || ($healthCheck && microtime(true) - $c->stream->lastUsed > $this->healthCheckAfter && !$this->heartbeat($c, min($deadline, microtime(true) + 1.0)))) {
                $this->remove($c);
                return $this->connectionForSync($deadline, $healthCheck);
            }
            return [$c, true];
        }
        if (count($this->connections) < $this->maxConnections) {
            return [$this->open($deadline), false];
        }
        // Every connection carries async requests: share the least loaded one (its async replies are dispatched while we wait).
        return [$this->leastLoaded(), true];
    }

    private function connectionForAsync(float $deadline): IpcConnection
    {
        $best = $this->connections === [] ? null : $this->leastLoaded();
        if ($best !== null && ($best->asyncPending < $this->asyncPerConnection || count($this->connections) >= $this->maxConnections)) {
            return $best;
        }
        return $this->open($deadline);
    }

    private function leastLoaded(): IpcConnection
    {
        $best = $this->connections[0];
        foreach ($this->connections as $c) {
            if ($c->asyncPending < $best->asyncPending) {
                $best = $c;
            }
        }
        return $best;
    }

    private function open(float $deadline): IpcConnection
    {
        if (count($this->connections) >= $this->maxConnections) {
            throw new PoolExhaustedException("all {$this->maxConnections} IPC connections to {$this->address} are in use");
        }
        $c = IpcConnection::open($this->address, max(0.001, min(1.0, $deadline - microtime(true))), $this->maxFrameBytes);
        if ($this->token !== null) {
            // Before anything else on the connection: its later calls carry the token's grants.
            $id = self::uuid4();
            try {
                $c->send(Frame::SYNC, self::json(['id' => $id, 'method' => 'session.auth', 'params' => ['token' => $this->token]]), $deadline);
                $this->awaitSyncReply($c, $id, 'session.auth', $deadline, $eof);
            } catch (SidecarException $e) {
                $c->close();
                throw $e;
            }
        }
        $this->connections[] = $c;
        return $c;
    }

    private function heartbeat(IpcConnection $c, float $deadline): bool
    {
        try {
            $c->send(Frame::HEARTBEAT, '', $deadline);
            for (;;) {
                $frame = $c->read($deadline);
                if ($frame->type === Frame::HEARTBEAT) {
                    $c->stream->lastUsed = microtime(true);
                    return true;
                }
                $this->dispatchAsync($frame);
            }
        } catch (ConnectionException) {
            return false;
        }
    }

    private function awaitSyncReply(IpcConnection $c, string $id, string $method, float $deadline, ?bool &$eof): mixed
    {
        $eof = false;
        for ($first = true; ; $first = false) {
            $frame = $first ? $c->read($deadline, $eof) : $c->read($deadline);
            $eof = false;
            if ($frame->type === Frame::ASYNC_RESPONSE || ($frame->type === Frame::ERROR && $this->isAsyncReply($frame))) {
                $this->dispatchAsync($frame);
                continue;
            }
            if ($frame->type === Frame::HEARTBEAT) {
                continue;
            }
            $body = $this->decode($frame);
            if ($frame->type === Frame::ERROR) {
                throw self::serviceError($body, $method);
            }
            if ($frame->type !== Frame::SYNC || ($body['id'] ?? null) !== $id) {
                throw new ProtocolException(sprintf('expected the sync reply to %s (id %s), got frame type 0x%02x', $method, $id, $frame->type));
            }
            return $body['result'] ?? null;
        }
    }

    private function isAsyncReply(Frame $frame): bool
    {
        $id = $this->decode($frame)['id'] ?? null;
        return is_string($id) && isset($this->async[$id]);
    }

    private function readAsyncFrame(IpcConnection $c): int
    {
        try {
            $frame = $c->read(microtime(true) + $this->timeout);
        } catch (SidecarException $e) {
            return $this->failConnection($c, $e instanceof ConnectionException ? $e : new ConnectionException($e->getMessage(), 0, $e));
        }
        if ($frame->type === Frame::ERROR && !$this->isAsyncReply($frame)) {
            // A connection-level error (id null): the daemon closes the connection after it.
            $body = $this->decode($frame);
            return $this->failConnection($c, self::serviceError($body, ''));
        }
        return $frame->type === Frame::HEARTBEAT ? 0 : $this->dispatchAsync($frame);
    }

    /** Runs the callback of an async reply; a late reply (already expired) is dropped. */
    private function dispatchAsync(Frame $frame): int
    {
        $body = $this->decode($frame);
        $id = $body['id'] ?? null;
        if (!is_string($id) || !isset($this->async[$id])) {
            return 0;
        }
        $entry = $this->async[$id];
        unset($this->async[$id]);
        $entry['connection']->asyncPending--;
        $error = $frame->type === Frame::ERROR ? self::serviceError($body, $entry['method']) : null;
        $this->run($entry['callback'], $error === null ? ($body['result'] ?? null) : null, $error, $id);
        return 1;
    }

    private function expire(): int
    {
        $now = microtime(true);
        $fired = 0;
        foreach ($this->async as $id => $entry) {
            if ($entry['expires'] > $now) {
                continue;
            }
            unset($this->async[$id]);
            $entry['connection']->asyncPending--;
            $this->run($entry['callback'], null, new TimeoutException("async {$entry['method']} ($id) got no reply within {$this->asyncTimeout} s"), $id);
            $fired++;
        }
        return $fired;
    }

    private function failConnection(IpcConnection $c, SidecarException $error): int
    {
        $fired = 0;
        foreach ($this->async as $id => $entry) {
            if ($entry['connection'] === $c) {
                unset($this->async[$id]);
                $this->run($entry['callback'], null, $error, $id);
                $fired++;
            }
        }
        $c->asyncPending = 0;
        $this->remove($c);
        return $fired;
    }

    private function run(callable $callback, mixed $result, ?SidecarException $error, string $id): void
    {
        try {
            $callback($result, $error, $id);
        } catch (\Throwable $e) {
            $this->callbackError ??= $e;
        }
    }

    private function rethrowCallbackError(): void
    {
        $e = $this->callbackError;
        $this->callbackError = null;
        if ($e !== null) {
            throw $e;
        }
    }

    private function remove(IpcConnection $c): void
    {
        $c->close();
        $this->connections = array_values(array_filter($this->connections, static fn (IpcConnection $x) => $x !== $c));
    }

    private function decode(Frame $frame): array
    {
        try {
            return $frame->json();
        } catch (\JsonException $e) {
            throw new ProtocolException('reply payload is not JSON: ' . $e->getMessage(), 0, $e);
        }
    }

    private static function serviceError(array $body, string $method): ServiceException
    {
        $error = is_array($body['error'] ?? null) ? $body['error'] : [];
        $code = isset($error['code']) && is_string($error['code']) ? $error['code'] : null;
        $message = isset($error['message']) && is_string($error['message']) ? $error['message'] : 'unknown error';
        return new ServiceException($code === null ? $message : "$code: $message", $code, $method, $error['data'] ?? null);
    }

    private static function json(array $message): string
    {
        try {
            return json_encode($message, JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION);
        } catch (\JsonException $e) {
            throw new \InvalidArgumentException('cannot encode the request as JSON (' . $e->getMessage() . ')', 0, $e);
        }
    }

    /** RFC 4122 version 4 UUID. */
    public static function uuid4(): string
    {
        $b = random_bytes(16);
        $b[6] = chr((ord($b[6]) & 0x0F) | 0x40);
        $b[8] = chr((ord($b[8]) & 0x3F) | 0x80);
        return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($b), 4));
    }
}
