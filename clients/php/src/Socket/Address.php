<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Socket;

/** `tcp://host:port` or `unix:///path/to.sock`, as goridge's Relay::create writes them. */
final class Address
{
    private function __construct(
        public readonly string $scheme,
        public readonly string $host,
        public readonly int $port,
    ) {
    }

    public static function parse(string $address): self
    {
        if (preg_match('#^unix://(/.+)$#i', $address, $m) === 1) {
            return new self('unix', $m[1], 0);
        }
        if (preg_match('#^tcp://(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})$#i', $address, $m) === 1 && (int) $m[2] > 0 && (int) $m[2] <= 65535) {
            return new self('tcp', trim($m[1], '[]'), (int) $m[2]);
        }
        throw new \InvalidArgumentException("address must be tcp://host:port or unix:///path, got '$address'");
    }

    public static function tcp(string $host, int $port): self
    {
        return self::parse("tcp://$host:$port");
    }

    /** The address as stream_socket_client takes it (an IPv6 host in brackets); also the key of a kept connection. */
    public function uri(): string
    {
        if ($this->scheme === 'unix') {
            return "unix://{$this->host}";
        }
        return str_contains($this->host, ':') ? "tcp://[{$this->host}]:{$this->port}" : "tcp://{$this->host}:{$this->port}";
    }

    public function __toString(): string
    {
        return $this->uri();
    }
}
