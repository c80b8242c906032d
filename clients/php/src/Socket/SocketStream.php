<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Socket;

use Outrigger\Sidecar\Exception\ConnectionException;
use Outrigger\Sidecar\Exception\TimeoutException;

/**
 * A connected stream socket (PHP's own stream layer, no extension needed)
 * whose every read and write honours an absolute deadline: I/O is
 * non-blocking and readiness is awaited with stream_select, so a silent peer
 * cannot block the PHP process past the caller's timeout.
 *
 * A persistent stream (STREAM_CLIENT_PERSISTENT) is kept by PHP in the
 * worker process after the request ends (PHP-FPM, the CLI server), and the
 * next request to the same address gets the same socket back. Two facts of
 * it survive the request with it and are used here:
 * - its blocking mode: it is non-blocking only while a call is under way
 *   (beginCall/endCall), so a stream found non-blocking was left mid-call by
 *   a request that died (fatal error, time or memory limit, exit), possibly
 *   with a reply or half a frame still to come: callInterrupted();
 * - its position (bytes read and written through it): 0 only for a socket
 *   that never carried a call: isNew().
 */
final class SocketStream
{
    /** @var resource */
    private $stream;
    private bool $closed = false;
    /** When the stream last finished a call; pools use it to decide on a health check. */
    public float $lastUsed;

    /** @param resource $stream */
    private function __construct($stream, public readonly Address $address, public readonly bool $persistent)
    {
        $this->stream = $stream;
        $this->lastUsed = microtime(true);
    }

    /**
     * Connects, or with $persistent takes this worker's kept socket to $address (PHP itself replaces one whose peer
     * closed). A non-persistent stream is non-blocking from here on; a persistent one only inside beginCall/endCall.
     */
    public static function connect(Address $address, float $timeout, bool $persistent = false): self
    {
        $context = stream_context_create(['socket' => ['tcp_nodelay' => true]]);
        $flags = STREAM_CLIENT_CONNECT | ($persistent ? STREAM_CLIENT_PERSISTENT : 0);
        $errno = 0;
        $errstr = '';
        $stream = @stream_socket_client($address->uri(), $errno, $errstr, max(0.001, $timeout), $flags, $context);
        if ($stream === false) {
            if ($errno === 110 || stripos($errstr, 'timed out') !== false) { // ETIMEDOUT
                throw new TimeoutException(sprintf('cannot connect to %s within %.3f s', $address, $timeout));
            }
            throw new ConnectionException("cannot connect to $address: " . ($errstr !== '' ? $errstr : "error $errno"));
        }
        if (!$persistent) {
            stream_set_blocking($stream, false);
        }
        return new self($stream, $address, $persistent);
    }

    /** Marks a call under way (persistent streams: non-blocking until endCall). Reads and writes need it. */
    public function beginCall(): void
    {
        if ($this->persistent) {
            stream_set_blocking($this->stream, false);
        }
    }

    /** The call's reply has been read whole: the stream is idle and clean again. */
    public function endCall(): void
    {
        if ($this->persistent && !$this->closed) {
            stream_set_blocking($this->stream, true);
        }
    }

    /** A persistent stream on which an earlier request began a call and never finished it. */
    public function callInterrupted(): bool
    {
        return $this->persistent && !$this->closed && stream_get_meta_data($this->stream)['blocked'] === false;
    }

    /** Nothing was ever written to or read from this socket (a new connection, kept or not). */
    public function isNew(): bool
    {
        return ftell($this->stream) === 0;
    }

    public function write(string $bytes, float $deadline): void
    {
        $off = 0;
        $len = strlen($bytes);
        while ($off < $len) {
            $this->ensureOpen();
            $n = @fwrite($this->stream, $off === 0 ? $bytes : substr($bytes, $off));
            if ($n === false) {
                $this->close();
                throw new ConnectionException("send to {$this->address} failed" . self::lastError());
            }
            if ($n === 0) {
                $this->await(false, $deadline, 'send');
                continue;
            }
            $off += $n;
        }
    }

    /**
     * Reads exactly $n bytes; waits first, as a reply is rarely there the moment a call is sent. $eof is set when the
     * peer closed before the first byte (a stale idle connection).
     */
    public function read(int $n, float $deadline, ?bool &$eof = null): string
    {
        $eof = false;
        $out = '';
        while (($got = strlen($out)) < $n) {
            $this->await(true, $deadline, 'reply');
            $chunk = @fread($this->stream, $n - $got);
            if ($chunk === false || ($chunk === '' && stream_get_meta_data($this->stream)['eof'])) {
                $this->close();
                $eof = $out === '';
                throw new ConnectionException("{$this->address} closed the connection" . ($out === '' ? '' : ' in the middle of a reply'));
            }
            $out .= $chunk;
        }
        return $out;
    }

    /** True if bytes (or EOF) are waiting to be read right now, in PHP's buffer or the socket's. */
    public function readable(): bool
    {
        if ($this->closed) {
            return false;
        }
        $r = [$this->stream];
        $w = null;
        $e = null;
        return @stream_select($r, $w, $e, 0, 0) === 1;
    }

    /** @return resource the stream, for stream_select over several connections */
    public function resource()
    {
        return $this->stream;
    }

    public function isClosed(): bool
    {
        return $this->closed;
    }

    /** Closes the socket, a persistent one too (the next request then connects anew). */
    public function close(): void
    {
        if (!$this->closed) {
            $this->closed = true;
            @fclose($this->stream);
        }
    }

    public function __destruct()
    {
        if (!$this->persistent) {
            $this->close(); // a persistent stream stays with the worker for the next request
        }
    }

    private function ensureOpen(): void
    {
        if ($this->closed) {
            throw new ConnectionException("connection to {$this->address} is closed");
        }
    }

    private function await(bool $read, float $deadline, string $what): void
    {
        $this->ensureOpen();
        for (;;) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                $this->close();
                throw new TimeoutException("no $what from {$this->address} before the timeout");
            }
            $r = $read ? [$this->stream] : null;
            $w = $read ? null : [$this->stream];
            $e = null;
            $sec = (int) $left;
            $n = @stream_select($r, $w, $e, $sec, (int) (($left - $sec) * 1_000_000));
            if ($n === false) {
                $error = error_get_last();
                if ($error !== null && str_contains($error['message'], 'Interrupted system call')) {
                    error_clear_last();
                    continue;
                }
                $this->close();
                throw new ConnectionException("waiting on {$this->address} failed" . self::lastError());
            }
            if ($n > 0) {
                return;
            }
        }
    }

    private static function lastError(): string
    {
        $error = error_get_last();
        error_clear_last();
        return $error === null ? '' : ': ' . $error['message'];
    }
}
