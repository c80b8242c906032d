<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

use Outrigger\Sidecar\Exception\ConnectionException;
use Outrigger\Sidecar\Exception\ProtocolException;
use Outrigger\Sidecar\Exception\ServiceException;
use Outrigger\Sidecar\Exception\TimeoutException;
use Outrigger\Sidecar\Socket\Address;
use Outrigger\Sidecar\Socket\SocketStream;

/**
 * One Goridge RPC connection: one call in flight at a time, as PHP's own
 * goridge client does. Every reply must echo its call's seq.
 */
final class Connection
{
    private int $seq;

    private function __construct(public readonly SocketStream $stream)
    {
        // A kept socket serves many requests, each with a new Connection: a random first seq makes a reply that
        // belongs to another request fail the seq check instead of passing for this request's reply.
        $this->seq = $stream->persistent ? random_int(1, 0xFFFFFFFF) : 1;
    }

    /**
     * Connects, or with $persistent takes the socket this PHP worker kept from an earlier request. The one place a
     * socket becomes a connection: a kept socket is checked here before anything is read from it, and a new one is
     * set up here (setUp) before its first call.
     */
    public static function open(Address $address, float $timeout, bool $persistent = false, ?string $token = null): self
    {
        $deadline = microtime(true) + $timeout;
        $stream = SocketStream::connect($address, $timeout, $persistent);
        if ($persistent && !$stream->isNew() && ($stream->callInterrupted() || $stream->readable())) {
            // An earlier request died mid-call on this socket (its reply, or the rest of a frame, may still come and
            // must never be taken for ours), or the sidecar closed it or sent what nobody asked for: start over.
            $stream->close();
            $stream = SocketStream::connect($address, max(0.001, $deadline - microtime(true)), true);
        }
        $connection = new self($stream);
        if ($stream->isNew()) {
            $connection->setUp($deadline, $token);
        }
        return $connection;
    }

    /**
     * Runs once per socket, before its first call, whether the socket is then kept across requests or not: presents
     * the sidecar's shared token (Session.Auth) when one is configured, so every later call on the socket, in this
     * request or a later one, carries the token's grants. A request that dies during it leaves the socket marked
     * mid-call, so it is never reused half set up; a refused token closes the socket.
     */
    private function setUp(float $deadline, ?string $token): void
    {
        if ($token === null) {
            return;
        }
        $frame = $this->call('Session.Auth', Frame::CODEC_JSON, json_encode(['token' => $token], JSON_THROW_ON_ERROR), $deadline);
        if ($frame->isError()) {
            $this->stream->close();
            throw ServiceException::fromGoridgeText($frame->body, 'Session.Auth');
        }
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
        $this->stream->beginCall();
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
        $this->stream->endCall();
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
