<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\Exception\ConnectionException;
use Outrigger\Sidecar\Exception\ServiceException;
use Outrigger\Sidecar\Exception\TimeoutException;
use Outrigger\Sidecar\Goridge\Frame;
use Outrigger\Sidecar\Goridge\JsonCodec;
use Outrigger\Sidecar\Goridge\MsgpackCodec;
use Outrigger\Sidecar\Goridge\RpcClient;
use PHPUnit\Framework\TestCase;

/** Goridge RPC from PHP against the live daemon, over TCP and the unix socket. */
final class RpcClientTest extends TestCase
{
    /** @return array<string, array{0: string}> */
    public static function addresses(): array
    {
        return ['tcp' => ['OUTRIGGER_GORIDGE_TCP'], 'unix' => ['OUTRIGGER_GORIDGE_UNIX']];
    }

    /** @dataProvider addresses */
    public function testJsonAndMsgpackReachActorMethodsThroughTheWorkerHop(string $env): void
    {
        $rpc = RpcClient::create(Env::get($env));
        $payload = ['topic' => 'orders', 'n' => 1, 'nested' => ['a/b é', true, null], 'ratio' => 0.5];
        self::assertSame($payload, $rpc->call('Sys.Echo', $payload));
        self::assertSame('pong', $rpc->call('Sys.Ping'));
        self::assertSame('{"already":"json"}', $rpc->call('Sys.Echo', '{"already":"json"}'), 'a string argument stays a string');
        $msgpack = $rpc->withCodec(new MsgpackCodec());
        self::assertSame($payload, $msgpack->call('Sys.Echo', $payload));
        self::assertSame(1, $rpc->pool()->size(), 'both codecs share one pooled connection');
        $rpc->close();
    }

    public function testErrorRepliesBecomeServiceExceptionsWithTheirCode(): void
    {
        $rpc = RpcClient::create(Env::goridgeTcp());
        try {
            $rpc->call('Probe.Fail', ['code' => 'INVALID_PARAMS', 'message' => 'topic: must be a non-empty string']);
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('INVALID_PARAMS', $e->getErrorCode());
            self::assertSame('Probe.Fail', $e->getMethod());
            self::assertSame('Probe.Fail: INVALID_PARAMS: topic: must be a non-empty string', $e->getMessage());
            self::assertSame(['echo' => true], $e->getData(), 'the error data travels in the data line');
        }
        try {
            $rpc->call('Probe.Nope', 1);
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertNull($e->getErrorCode(), 'Go net/rpc texts carry no code');
            self::assertSame("rpc: can't find method Probe.Nope", $e->getErrorText());
        }
        self::assertTrue($rpc->call('Probe.Sleep', 1), 'the connection is still usable');
        self::assertSame(1, $rpc->pool()->size());
    }

    public function testATimeoutThrowsAndTheNextCallUsesAFreshConnection(): void
    {
        $rpc = RpcClient::create(Env::goridgeTcp(), null, 0.3);
        $start = microtime(true);
        try {
            $rpc->call('Probe.Sleep', 3000);
            self::fail('expected a TimeoutException');
        } catch (TimeoutException $e) {
            self::assertLessThan(2.0, microtime(true) - $start);
            self::assertStringContainsString('before the timeout', $e->getMessage());
        }
        self::assertSame(0, $rpc->pool()->size(), 'a timed-out connection is out of sync and is dropped');
        self::assertSame('again', $rpc->call('Sys.Echo', 'again'));
    }

    public function testAnIdleConnectionTheSidecarClosedIsReplacedBeforeUse(): void
    {
        $rpc = RpcClient::create(Env::goridgeTcp());
        self::assertSame(1, $rpc->call('Sys.Echo', 1));
        // Break the pooled connection from the server side: a frame with a bad CRC makes it close.
        [$connection] = $rpc->pool()->acquire(microtime(true) + 1);
        $bad = Frame::encode(1, 'Sys.Echo', Frame::CODEC_JSON, '1');
        $bad[6] = "\x00";
        $connection->stream->write($bad, microtime(true) + 1);
        $rpc->pool()->release($connection);
        usleep(50_000);
        self::assertSame(2, $rpc->call('Sys.Echo', 2));
        self::assertSame(1, $rpc->pool()->size());
    }

    public function testUnreachableSidecarFailsClearlyAfterRetries(): void
    {
        $sock = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
        socket_bind($sock, '127.0.0.1', 0);
        socket_getsockname($sock, $host, $port);
        socket_close($sock); // a port nobody listens on
        $rpc = RpcClient::create("tcp://127.0.0.1:$port", new JsonCodec(), 2.0, 2);
        $start = microtime(true);
        try {
            $rpc->call('Sys.Ping');
            self::fail('expected a ConnectionException');
        } catch (ConnectionException $e) {
            self::assertNotInstanceOf(TimeoutException::class, $e);
            self::assertStringContainsString("cannot connect to tcp://127.0.0.1:$port", $e->getMessage());
            self::assertGreaterThanOrEqual(0.15, microtime(true) - $start, 'two retries back off 50 ms then 100 ms');
        }
    }

    public function testPayloadOverTheCapIsRefusedWithACode(): void
    {
        $rpc = RpcClient::create(Env::goridgeTcp());
        try {
            $rpc->call('Sys.Echo', str_repeat('x', 2 * 1024 * 1024));
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('FRAME_TOO_LARGE', $e->getErrorCode());
        }
        self::assertSame('small', $rpc->call('Sys.Echo', 'small'), 'the next call goes out on a new connection');
    }
}
