<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Ipc;

use Outrigger\Sidecar\Exception\ProtocolException;
use Outrigger\Sidecar\Socket\Address;
use Outrigger\Sidecar\Socket\SocketStream;

/** One IPC connection: at most one sync call at a time, any number of async calls (matched by id). */
final class IpcConnection
{
    /** Async requests sent on this connection and not yet answered or expired. */
    public int $asyncPending = 0;

    private function __construct(public readonly SocketStream $stream, private readonly int $maxPayload)
    {
    }

    public static function open(Address $address, float $timeout, int $maxPayload): self
    {
        return new self(SocketStream::connect($address, $timeout), $maxPayload);
    }

    public function send(int $type, string $payload, float $deadline): void
    {
        $this->stream->write(Frame::encode($type, $payload), $deadline);
    }

    /** Reads one whole frame. $eof is set when the peer closed before its first byte. */
    public function read(float $deadline, ?bool &$eof = null): Frame
    {
        $h = Frame::parseHeader($this->stream->read(Frame::HEADER, $deadline, $eof));
        if ($h['length'] > $this->maxPayload) {
            $this->stream->close();
            throw new ProtocolException("frame of {$h['length']} bytes from {$this->stream->address} exceeds the {$this->maxPayload}-byte limit");
        }
        $payload = $h['length'] === 0 ? '' : $this->stream->read($h['length'], $deadline);
        return new Frame($h['version'], $h['type'], $payload);
    }

    public function isClosed(): bool
    {
        return $this->stream->isClosed();
    }

    public function close(): void
    {
        $this->stream->close();
    }
}
