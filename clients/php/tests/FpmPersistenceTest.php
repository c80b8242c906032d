<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The bridge under a real php-fpm (one worker, so every request lands in the
 * same process) behind nginx, calling a live daemon: tests/fpm/call.php makes
 * one call per HTTP request. test/clients/php/phpunit-fpm.test.ts starts the
 * stack and passes OUTRIGGER_FPM_URL, and OUTRIGGER_FPM_CONTROL where a POST
 * to /restart-daemon stops the daemon and starts a new one on the same port.
 */
final class FpmPersistenceTest extends TestCase
{
    public function testTheConnectionIsKeptAcrossRequestsByDefault(): void
    {
        $first = self::call('echo', ['v' => 'one']);
        $second = self::call('echo', ['v' => 'two']);
        self::assertTrue($first['persistent'], 'persistent by default under php-fpm');
        self::assertSame(['one', 'two'], [$first['result'], $second['result']]);
        self::assertSame($first['pid'], $second['pid'], 'one worker serves both requests');
        self::assertSame($first['local'], $second['local'], 'the second request reuses the first one\'s socket');
        self::assertTrue($second['reused']);
    }

    public function testAfterADaemonRestartTheNextRequestSucceedsOnAFreshConnection(): void
    {
        $before = self::call('echo', ['v' => 'before']);
        self::post(Env::get('OUTRIGGER_FPM_CONTROL') . '/restart-daemon');
        $after = self::call('echo', ['v' => 'after']);
        self::assertSame('after', $after['result']);
        self::assertNotSame($before['local'], $after['local'], 'a new socket to the new daemon');
        self::assertFalse($after['reused']);
        self::assertSame('again', self::call('echo', ['v' => 'again'])['result']);
    }

    public function testARequestThatDiesInTheMiddleOfAReplyLeavesNothingForTheNext(): void
    {
        $before = self::call('echo', ['v' => 'warm']);
        // 12 MB reply (under the daemon's 16 MiB reply cap), 8 MB memory_limit: a fatal error while the frame is half read.
        [$status] = self::get('blob', ['n' => 12 * 1024 * 1024]);
        self::assertSame(500, $status);
        $after = self::call('echo', ['v' => 'mine']);
        self::assertSame('mine', $after['result'], 'the next request gets its own reply, not the rest of the blob');
        self::assertSame($before['pid'], $after['pid']);
        self::assertNotSame($before['local'], $after['local'], 'the half-read socket was replaced');
    }

    public function testARequestThatExitsAfterSendingLeavesNoReplyForTheNext(): void
    {
        self::call('echo', ['v' => 'warm']);
        [$status, $body] = self::get('send-then-exit');
        self::assertSame(200, $status);
        $sent = json_decode($body, true, 512, JSON_THROW_ON_ERROR)['sent'];
        // At once, while the abandoned call still runs: nothing is readable yet, only the mid-call mark shows. The
        // abandoned reply ('stale', at 300 ms) would come before this one (at 600 ms) on the same socket.
        $after = self::call('echo', ['v' => 'mine', 'ms' => 600]);
        self::assertSame('mine', $after['result']);
        self::assertNotSame($sent, $after['local'], 'the socket left mid-call was replaced');
        self::assertSame('still mine', self::call('echo', ['v' => 'still mine'])['result']);
    }

    /** @return array<string, mixed> */
    private static function call(string $do, array $query = []): array
    {
        [$status, $body] = self::get($do, $query);
        self::assertSame(200, $status, $body);
        return json_decode($body, true, 512, JSON_THROW_ON_ERROR);
    }

    /** @return array{0: int, 1: string} */
    private static function get(string $do, array $query = []): array
    {
        $url = Env::get('OUTRIGGER_FPM_URL') . '/call.php?' . http_build_query(['do' => $do] + $query);
        $body = file_get_contents($url, false, stream_context_create(['http' => ['ignore_errors' => true, 'timeout' => 10]]));
        self::assertIsString($body, "GET $url failed");
        preg_match('#^HTTP/\S+ (\d{3})#', $http_response_header[0] ?? '', $m);
        return [(int) ($m[1] ?? 0), $body];
    }

    private static function post(string $url): void
    {
        $body = file_get_contents($url, false, stream_context_create(['http' => ['method' => 'POST', 'timeout' => 30]]));
        self::assertSame('ok', $body, "POST $url");
    }
}
