<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Socket;

use Outrigger\Sidecar\Exception\ConnectionException;
use Outrigger\Sidecar\Exception\TimeoutException;

/**
 * A connected stream socket (ext-sockets) whose every read and write honours
 * an absolute deadline: readiness is awaited with socket_select, so a silent
 * peer cannot block the PHP process past the caller's timeout.
 */
final class SocketStream
{
    /** @var \Socket */
    private \Socket $socket;
    private bool $closed = false;
    /** When the stream last finished a call; pools use it to decide on a health check. */
    public float $lastUsed;

    private function __construct(\Socket $socket, public readonly Address $address)
    {
        $this->socket = $socket;
        $this->lastUsed = microtime(true);
    }

    public static function connect(Address $address, float $timeout): self
    {
        $domain = $address->scheme === 'unix' ? AF_UNIX : (str_contains($address->host, ':') ? AF_INET6 : AF_INET);
        $socket = @socket_create($domain, SOCK_STREAM, $address->scheme === 'unix' ? 0 : SOL_TCP);
        if ($socket === false) {
            throw new ConnectionException("cannot create a socket for $address: " . socket_strerror(socket_last_error()));
        }
        if ($address->scheme === 'tcp') {
            socket_set_option($socket, SOL_TCP, TCP_NODELAY, 1);
        }
        socket_set_nonblock($socket);
        $ok = $address->scheme === 'unix'
            ? @socket_connect($socket, $address->host)
            : @socket_connect($socket, $address->host, $address->port);
        if ($ok === false) {
            $err = socket_last_error($socket);
            if ($err !== SOCKET_EINPROGRESS && $err !== SOCKET_EALREADY && $err !== SOCKET_EWOULDBLOCK) {
                socket_close($socket);
                throw new ConnectionException("cannot connect to $address: " . socket_strerror($err));
            }
            $r = null;
            $w = [$socket];
            $e = null;
            [$sec, $usec] = self::split($timeout);
            if (@socket_select($r, $w, $e, $sec, $usec) !== 1) {
                socket_close($socket);
                throw new TimeoutException(sprintf('cannot connect to %s within %.3f s', $address, $timeout));
            }
            $err = (int) socket_get_option($socket, SOL_SOCKET, SO_ERROR);
            if ($err !== 0) {
                socket_close($socket);
                throw new ConnectionException("cannot connect to $address: " . socket_strerror($err));
            }
        }
        return new self($socket, $address);
    }

    public function write(string $bytes, float $deadline): void
    {
        $off = 0;
        $len = strlen($bytes);
        while ($off < $len) {
            $this->await(false, $deadline, 'send');
            $n = @socket_write($this->socket, $off === 0 ? $bytes : substr($bytes, $off));
            if ($n === false) {
                $err = socket_last_error($this->socket);
                if ($err === SOCKET_EAGAIN || $err === SOCKET_EWOULDBLOCK) {
                    continue;
                }
                $this->close();
                throw new ConnectionException("send to {$this->address} failed: " . socket_strerror($err));
            }
            $off += $n;
        }
    }

    /** Reads exactly $n bytes. $eof is set when the peer closed before the first byte (stale idle connection). */
    public function read(int $n, float $deadline, ?bool &$eof = null): string
    {
        $eof = false;
        $out = '';
        while (strlen($out) < $n) {
            $this->await(true, $deadline, 'reply');
            $chunk = @socket_read($this->socket, $n - strlen($out), PHP_BINARY_READ);
            if ($chunk === false) {
                $err = socket_last_error($this->socket);
                if ($err === SOCKET_EAGAIN || $err === SOCKET_EWOULDBLOCK) {
                    continue;
                }
                $this->close();
                $eof = $out === '' && ($err === SOCKET_ECONNRESET || $err === SOCKET_EPIPE);
                throw new ConnectionException("receive from {$this->address} failed: " . socket_strerror($err));
            }
            if ($chunk === '') {
                $this->close();
                $eof = $out === '';
                throw new ConnectionException("{$this->address} closed the connection" . ($out === '' ? '' : ' in the middle of a reply'));
            }
            $out .= $chunk;
        }
        return $out;
    }

    /** True if bytes (or EOF) are waiting to be read right now. */
    public function readable(): bool
    {
        if ($this->closed) {
            return false;
        }
        $r = [$this->socket];
        $w = null;
        $e = null;
        return @socket_select($r, $w, $e, 0, 0) === 1;
    }

    public function socket(): \Socket
    {
        return $this->socket;
    }

    public function isClosed(): bool
    {
        return $this->closed;
    }

    public function close(): void
    {
        if (!$this->closed) {
            $this->closed = true;
            socket_close($this->socket);
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    private function await(bool $read, float $deadline, string $what): void
    {
        if ($this->closed) {
            throw new ConnectionException("connection to {$this->address} is closed");
        }
        for (;;) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                $this->close();
                throw new TimeoutException("no $what from {$this->address} before the timeout");
            }
            $r = $read ? [$this->socket] : null;
            $w = $read ? null : [$this->socket];
            $e = null;
            [$sec, $usec] = self::split($left);
            $n = @socket_select($r, $w, $e, $sec, $usec);
            if ($n === false) {
                if (socket_last_error() === SOCKET_EINTR) {
                    continue;
                }
                $this->close();
                throw new ConnectionException("waiting on {$this->address} failed: " . socket_strerror(socket_last_error()));
            }
            if ($n > 0) {
                return;
            }
        }
    }

    /** @return array{0: int, 1: int} */
    private static function split(float $seconds): array
    {
        $seconds = max(0.0, $seconds);
        $sec = (int) floor($seconds);
        return [$sec, (int) (($seconds - $sec) * 1_000_000)];
    }
}
