<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

use Outrigger\Sidecar\Exception\PoolExhaustedException;
use Outrigger\Sidecar\Socket\Address;

/**
 * Keeps Goridge connections open between calls. A connection holds one call
 * at a time; an idle one the sidecar has closed meanwhile is noticed
 * (readable while idle = EOF) and dropped before it is used.
 *
 * Persistent mode (on by default under PHP-FPM and the CLI server, where one
 * worker process serves request after request): the first connection to an
 * address is a persistent stream that PHP keeps in the worker when the
 * request ends, so the next request skips the connect and the sidecar's
 * per-connection work. PHP objects, static properties included, do not
 * survive a request; the socket does, so everything a kept socket needs to
 * be trusted again is read from the socket itself (see SocketStream and
 * Connection::open). Further connections a request needs at the same time
 * (only nested calls can) are ordinary ones, closed with the request.
 */
final class ConnectionPool
{
    /** @var list<Connection> idle ordinary connections */
    private array $idle = [];
    /** Ordinary connections open (idle or in use), plus the kept one while this pool uses it. */
    private int $open = 0;
    /**
     * This request's kept connection per address: a Connection while idle, false while a pool uses it. Shared by
     * every pool in the request, as PHP hands the same socket to all of them; reset with the request.
     *
     * @var array<string, Connection|false>
     */
    private static array $kept = [];

    public readonly bool $persistent;

    public function __construct(
        public readonly Address $address,
        public readonly int $maxConnections = 4,
        public readonly float $connectTimeout = 1.0,
        ?bool $persistent = null,
        /** The sidecar's shared token (security.token), presented once on every new connection. */
        public readonly ?string $token = null,
    ) {
        if ($maxConnections < 1) {
            throw new \InvalidArgumentException('pool size must be at least 1');
        }
        $this->persistent = $persistent ?? self::persistentByDefault();
    }

    /**
     * Where PHP keeps a worker process across requests and nothing else shares its sockets: PHP-FPM and the CLI
     * server. Elsewhere a process is one request (the CLI) or the choice is the application's ('persistent' => true).
     */
    public static function persistentByDefault(): bool
    {
        return in_array(PHP_SAPI, ['fpm-fcgi', 'cli-server'], true);
    }

    /**
     * @return array{0: Connection, 1: bool} the connection, and whether it carried calls before (a kept socket
     *                                         from an earlier request counts)
     */
    public function acquire(float $deadline): array
    {
        if ($this->persistent && $this->open < $this->maxConnections && (self::$kept[$key = $this->address->uri()] ?? null) !== false) {
            $c = self::$kept[$key] ?? null;
            if ($c !== null && ($c->isClosed() || $c->stream->readable())) {
                $c->close();
                $c = null;
            }
            $c ??= Connection::open($this->address, $this->connectTimeout($deadline), true, $this->token);
            self::$kept[$key] = false;
            $this->open++;
            return [$c, !$c->stream->isNew()];
        }
        while (($c = array_pop($this->idle)) !== null) {
            if (!$c->isClosed() && !$c->stream->readable()) {
                return [$c, true];
            }
            $this->discard($c);
        }
        if ($this->open >= $this->maxConnections) {
            throw new PoolExhaustedException("all {$this->maxConnections} connections to {$this->address} are in use");
        }
        $c = Connection::open($this->address, $this->connectTimeout($deadline), false, $this->token);
        $this->open++;
        return [$c, false];
    }

    public function release(Connection $c): void
    {
        if ($c->stream->persistent) {
            $this->open--;
            if ($c->isClosed()) {
                unset(self::$kept[$this->address->uri()]);
            } else {
                self::$kept[$this->address->uri()] = $c;
            }
            return;
        }
        if ($c->isClosed()) {
            $this->open--;
            return;
        }
        $this->idle[] = $c;
    }

    /** Closes a connection whose call failed (a kept one too: the next request connects anew). */
    public function discard(Connection $c): void
    {
        $c->close();
        $this->open--;
        if ($c->stream->persistent) {
            unset(self::$kept[$this->address->uri()]);
        }
    }

    /** Connections currently open for this pool (idle or in use), the worker's kept one included. */
    public function size(): int
    {
        $kept = $this->persistent ? (self::$kept[$this->address->uri()] ?? null) : null;
        return $this->open + ($kept instanceof Connection && !$kept->isClosed() ? 1 : 0);
    }

    public function idleCount(): int
    {
        return count($this->idle);
    }

    /** Closes the idle ordinary connections. The worker's kept connection stays for the next request. */
    public function close(): void
    {
        foreach ($this->idle as $c) {
            $c->close();
        }
        $this->open -= count($this->idle);
        $this->idle = [];
    }

    private function connectTimeout(float $deadline): float
    {
        return max(0.001, min($this->connectTimeout, $deadline - microtime(true)));
    }
}
