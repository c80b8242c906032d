<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

use Outrigger\Sidecar\Exception\PoolExhaustedException;
use Outrigger\Sidecar\Socket\Address;

/**
 * Keeps Goridge connections open between calls (PHP-FPM workers live for
 * many requests). A connection holds one call at a time; an idle one the
 * sidecar has closed meanwhile is noticed (readable while idle = EOF) and
 * dropped before it is used.
 */
final class ConnectionPool
{
    /** @var list<Connection> */
    private array $idle = [];
    private int $open = 0;

    public function __construct(
        public readonly Address $address,
        public readonly int $maxConnections = 4,
        public readonly float $connectTimeout = 1.0,
    ) {
        if ($maxConnections < 1) {
            throw new \InvalidArgumentException('pool size must be at least 1');
        }
    }

    /**
     * @return array{0: Connection, 1: bool} the connection, and whether it was reused from the idle set
     */
    public function acquire(float $deadline): array
    {
        while (($c = array_pop($this->idle)) !== null) {
            if (!$c->isClosed() && !$c->stream->readable()) {
                return [$c, true];
            }
            $this->discard($c);
        }
        if ($this->open >= $this->maxConnections) {
            throw new PoolExhaustedException("all {$this->maxConnections} connections to {$this->address} are in use");
        }
        $c = Connection::open($this->address, max(0.001, min($this->connectTimeout, $deadline - microtime(true))));
        $this->open++;
        return [$c, false];
    }

    public function release(Connection $c): void
    {
        if ($c->isClosed()) {
            $this->open--;
            return;
        }
        $this->idle[] = $c;
    }

    public function discard(Connection $c): void
    {
        $c->close();
        $this->open--;
    }

    /** Connections currently open (idle or in use). */
    public function size(): int
    {
        return $this->open;
    }

    public function idleCount(): int
    {
        return count($this->idle);
    }

    public function close(): void
    {
        foreach ($this->idle as $c) {
            $c->close();
        }
        $this->open -= count($this->idle);
        $this->idle = [];
    }
}
