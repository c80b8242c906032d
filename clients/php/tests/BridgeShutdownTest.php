<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\Bridge;
use Outrigger\Sidecar\Exception\ConnectionException;
use PHPUnit\Framework\TestCase;

/** App.Shutdown against a daemon of its own (it stops that daemon). */
final class BridgeShutdownTest extends TestCase
{
    public function testAppShutdownAnswersTrueThenTheSidecarStops(): void
    {
        $address = Env::get('OUTRIGGER_SHUTDOWN_GORIDGE');
        $bridge = new Bridge(['address' => $address, 'timeout' => 2.0, 'retries' => 0]);
        self::assertTrue($bridge->appInit(['application' => ['name' => 'shutdown-test']]));
        self::assertTrue($bridge->appShutdown());
        $deadline = microtime(true) + 10;
        while (microtime(true) < $deadline) {
            try {
                (new Bridge(['address' => $address, 'timeout' => 0.5, 'retries' => 0]))->appInit([]);
                usleep(50_000);
            } catch (ConnectionException) {
                self::assertTrue(true);
                return;
            }
        }
        self::fail('the sidecar still answers 10 s after App.Shutdown');
    }
}
