<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

use Outrigger\Sidecar\Exception\ConnectionException;
use Outrigger\Sidecar\Exception\ProtocolException;
use Outrigger\Sidecar\Exception\TimeoutException;
use Outrigger\Sidecar\Socket\Address;
use Outrigger\Sidecar\Socket\SocketStream;

/**
 * One Goridge RPC connection: one call in flight at a time, as PHP's own
 * goridge client does. Its seq counter starts at 1 and must be echoed.
 */
final class Connection
{
    private int $seq = 1;

    private function __construct(public readonly SocketStream $stream)
    {
    }

    public static function open(Address $address, float $timeout): self
    {
        return new self(SocketStream::connect($address, $timeout));
    }

    /** A failed call that surely did not reach the sidecar: the request could not be sent. */
    public const NOT_SENT = 'not-sent';
    /** The sidecar closed the connection without answering (it may or may not have read the request). */
    public const CLOSED_UNANSWERED = 'closed-unanswered';

    /**
     * Sends one call and reads its reply. On a ConnectionException, $failure
     * says whether the call is known not to have been answered (NOT_SENT,
     * CLOSED_UNANSWERED) or null when a reply had begun.
     */
    public function call(string $method, int $flags, string $body, float $deadline, ?string &$failure = null): Frame
    {
        $failure = null;
        $seq = $this->seq;
        try {
            $this->stream->write(Frame::encode($seq, $method, $flags, $body), $deadline);
        } catch (TimeoutException $e) {
            throw $e;
        } catch (ConnectionException $e) {
            $failure = self::NOT_SENT;
            throw $e;
        }
        try {
            $head = $this->stream->read(Frame::FIXED_HEADER, $deadline, $eof);
        } catch (TimeoutException $e) {
            throw $e;
        } catch (ConnectionException $e) {
            $failure = $eof ? self::CLOSED_UNANSWERED : null;
            throw $e;
        }
        try {
            $h = Frame::parseHeader($head);
            $rest = $this->stream->read($h['optionBytes'] + $h['payloadLength'], $deadline);
            $frame = Frame::fromParts($h['flags'], substr($rest, 0, $h['optionBytes']), (string) substr($rest, $h['optionBytes']));
        } catch (\UnexpectedValueException $e) {
            $this->stream->close();
            throw new ProtocolException("invalid reply to $method from {$this->stream->address}: " . $e->getMessage(), 0, $e);
        }
        if ($frame->seq !== $seq) {
            $this->stream->close();
            throw new ProtocolException("reply to $method carries seq {$frame->seq}, expected $seq");
        }
        $this->seq = $seq === 0xFFFFFFFF ? 1 : $seq + 1;
        $this->stream->lastUsed = microtime(true);
        return $frame;
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
