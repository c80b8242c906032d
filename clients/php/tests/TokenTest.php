<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\Bridge;
use Outrigger\Sidecar\Exception\ServiceException;
use Outrigger\Sidecar\Goridge\RpcClient;
use Outrigger\Sidecar\Ipc\IpcClient;
use PHPUnit\Framework\TestCase;

/**
 * A daemon with a shared token (security.token): over TCP nothing but presenting it is allowed until a
 * connection has; the clients present it on every new connection when given the `token` option.
 */
final class TokenTest extends TestCase
{
    private static function secret(): string
    {
        return Env::get('OUTRIGGER_TOKEN_SECRET');
    }

    private static function code(callable $call): ?string
    {
        try {
            $call();
        } catch (ServiceException $e) {
            return $e->getErrorCode();
        }
        return null;
    }

    public function testGoridgeClientPresentsTheTokenOnEveryNewConnection(): void
    {
        $address = Env::get('OUTRIGGER_TOKEN_GORIDGE_TCP');
        $without = RpcClient::create($address, persistent: false);
        self::assertSame('FORBIDDEN', self::code(fn () => $without->call('Sys.Echo', 'x')));
        $without->close();

        $rpc = RpcClient::create($address, persistent: false, token: self::secret());
        self::assertSame('x', $rpc->call('Sys.Echo', 'x'));
        self::assertSame('pong', $rpc->call('Sys.Ping'));
        $rpc->close();

        $wrong = RpcClient::create($address, persistent: false, token: 'not-the-token-at-all');
        self::assertSame('UNAUTHENTICATED', self::code(fn () => $wrong->call('Sys.Echo', 'x')));
        $wrong->close();
    }

    public function testBridgeTakesTheTokenOption(): void
    {
        $bridge = new Bridge(['address' => Env::get('OUTRIGGER_TOKEN_GORIDGE_TCP'), 'token' => self::secret(), 'persistent' => false]);
        self::assertSame('pong', $bridge->rpc()->call('Sys.Ping'));
        $bare = new Bridge(['address' => Env::get('OUTRIGGER_TOKEN_GORIDGE_TCP'), 'persistent' => false]);
        self::assertSame('FORBIDDEN', self::code(fn () => $bare->rpc()->call('Sys.Ping')));
    }

    public function testIpcClientPresentsTheTokenOnEveryNewConnection(): void
    {
        $address = Env::get('OUTRIGGER_TOKEN_IPC_TCP');
        $without = new IpcClient($address);
        self::assertSame('FORBIDDEN', self::code(fn () => $without->call('sys.echo', 1)));
        $without->close();

        // Two connections (sync and async at once): each presents the token first.
        $ipc = new IpcClient($address, asyncPerConnection: 1, token: self::secret());
        $results = [];
        $ipc->sendAsync('sys.echo', 'a', function ($result) use (&$results): void {
            $results[] = $result;
        });
        $ipc->sendAsync('sys.echo', 'b', function ($result) use (&$results): void {
            $results[] = $result;
        });
        self::assertSame('sync', $ipc->call('sys.echo', 'sync'));
        $ipc->wait(5.0);
        sort($results);
        self::assertSame(['a', 'b'], $results);
        $ipc->close();

        $wrong = new IpcClient($address, token: 'not-the-token-at-all');
        self::assertSame('UNAUTHENTICATED', self::code(fn () => $wrong->call('sys.echo', 1)));
    }
}
