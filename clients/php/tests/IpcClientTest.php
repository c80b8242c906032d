<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\Exception\ServiceException;
use Outrigger\Sidecar\Exception\SidecarException;
use Outrigger\Sidecar\Exception\TimeoutException;
use Outrigger\Sidecar\Ipc\IpcClient;
use PHPUnit\Framework\TestCase;

/** The binary IPC protocol from PHP against the live daemon. */
final class IpcClientTest extends TestCase
{
    /** @return array<string, array{0: string}> */
    public static function addresses(): array
    {
        return ['unix' => ['OUTRIGGER_IPC_UNIX'], 'tcp' => ['OUTRIGGER_IPC_TCP']];
    }

    /** @dataProvider addresses */
    public function testSyncCallsAndErrors(string $env): void
    {
        $ipc = new IpcClient(Env::get($env));
        self::assertSame(['deviceId' => 'dev_123', 'status' => 'online'], $ipc->call('sys.echo', ['deviceId' => 'dev_123', 'status' => 'online']));
        self::assertSame('pong', $ipc->call('sys.ping'));
        try {
            $ipc->call('probe.fail', ['code' => 'INVALID_PARAMS', 'message' => 'deviceId is required']);
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('INVALID_PARAMS', $e->getErrorCode());
            self::assertSame(['echo' => true], $e->getData());
        }
        try {
            $ipc->call('nope.nope');
            self::fail('expected a ServiceException');
        } catch (ServiceException $e) {
            self::assertSame('UNKNOWN_METHOD', $e->getErrorCode());
        }
        self::assertSame(1, $ipc->connectionCount());
        self::assertGreaterThan(0.0, $ipc->ping());
    }

    public function testAsyncRequestsRunTheirCallbacksByIdOnFewConnections(): void
    {
        $ipc = new IpcClient(Env::ipcUnix());
        $results = [];
        $ids = [];
        for ($i = 0; $i < 200; $i++) {
            $ids[$i] = $ipc->sendAsync('sys.echo', ['n' => $i], function (mixed $result, ?SidecarException $error, string $id) use (&$results, $i): void {
                self::assertNull($error);
                $results[$i] = [$result['n'], $id];
            });
        }
        self::assertSame(200, $ipc->pending());
        self::assertMatchesRegularExpression('/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', $ids[0]);
        self::assertSame(200, $ipc->wait(10.0));
        self::assertSame(0, $ipc->pending());
        ksort($results);
        foreach ($results as $i => [$n, $id]) {
            self::assertSame($i, $n);
            self::assertSame($ids[$i], $id);
        }
        self::assertLessThanOrEqual(4, $ipc->connectionCount(), '64 async requests share a connection');
        // A sync call on a connection that still carries async requests dispatches their replies too.
        $late = null;
        $ipc->sendAsync('probe.sleep', 50, function ($result) use (&$late): void {
            $late = $result;
        });
        self::assertSame('sync', $ipc->call('sys.echo', 'sync'));
        $ipc->wait(5.0);
        self::assertTrue($late);
    }

    public function testAsyncRequestsExpireAndALateReplyIsDropped(): void
    {
        $ipc = new IpcClient(Env::ipcUnix(), 5.0, 20, 0.3);
        $errors = [];
        $ipc->sendAsync('probe.sleep', 1500, function ($result, ?SidecarException $error) use (&$errors): void {
            $errors[] = $error;
        });
        $ok = null;
        $ipc->sendAsync('probe.sleep', 10, function ($result) use (&$ok): void {
            $ok = $result;
        });
        $start = microtime(true);
        self::assertSame(2, $ipc->wait(5.0));
        self::assertLessThan(1.4, microtime(true) - $start, 'settled by the 0.3 s expiry, not by the 1.5 s reply');
        self::assertTrue($ok);
        self::assertCount(1, $errors);
        self::assertInstanceOf(TimeoutException::class, $errors[0]);
        usleep(1_400_000); // the late reply arrives and must not run anything
        self::assertSame(0, $ipc->poll(0.1));
        self::assertSame('still fine', $ipc->call('sys.echo', 'still fine'));
    }

    public function testAThrowingCallbackDoesNotDisturbOtherRequests(): void
    {
        $ipc = new IpcClient(Env::ipcUnix());
        $ran = [];
        for ($i = 0; $i < 5; $i++) {
            $ipc->sendAsync('sys.echo', $i, function ($result) use (&$ran): void {
                $ran[] = $result;
                if ($result === 2) {
                    throw new \DomainException('callback bug');
                }
            });
        }
        try {
            $ipc->wait(5.0);
            self::fail('the callback exception must surface');
        } catch (\DomainException $e) {
            self::assertSame('callback bug', $e->getMessage());
        }
        $ipc->wait(5.0);
        sort($ran);
        self::assertSame([0, 1, 2, 3, 4], $ran);
        self::assertSame('ok', $ipc->call('sys.echo', 'ok'));
    }

    public function testThePoolNeverExceedsItsLimit(): void
    {
        $ipc = new IpcClient(Env::ipcUnix(), 5.0, 20, 30.0, 5.0, 1);
        $done = 0;
        for ($i = 0; $i < 60; $i++) {
            $ipc->sendAsync('probe.sleep', 20, function () use (&$done): void {
                $done++;
            });
        }
        self::assertSame(20, $ipc->connectionCount(), 'default maximum of the binary IPC protocol: 20 connections');
        $ipc->wait(10.0);
        self::assertSame(60, $done);
        $small = new IpcClient(Env::ipcUnix(), 5.0, 2, 30.0, 5.0, 1);
        for ($i = 0; $i < 10; $i++) {
            $small->sendAsync('sys.echo', $i, static function (): void {
            });
        }
        self::assertSame(2, $small->connectionCount());
        self::assertSame(10, $small->wait(5.0));
    }

    public function testAnIdleConnectionIsHealthCheckedWithAHeartbeat(): void
    {
        $ipc = new IpcClient(Env::ipcUnix(), 5.0, 20, 30.0, 0.05);
        self::assertSame(1, $ipc->call('sys.echo', 1));
        usleep(100_000);
        self::assertSame(2, $ipc->call('sys.echo', 2), 'heartbeat round trip, then the call, on the same connection');
        self::assertSame(1, $ipc->connectionCount());
    }
}
