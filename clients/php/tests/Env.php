<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use PHPUnit\Framework\Assert;

/**
 * Addresses of the live daemon the tests run against, from the environment
 * (test/clients/php/phpunit.test.ts starts the daemon and sets them). A test
 * that needs one fails, naming the variable, when it is not set.
 */
final class Env
{
    public static function get(string $name): string
    {
        $v = getenv($name);
        if ($v === false || $v === '') {
            Assert::fail("$name is not set: these tests run against a live Outrigger daemon. Run `npx vitest run test/clients/php`, which starts one and runs phpunit.");
        }
        return $v;
    }

    public static function goridgeTcp(): string
    {
        return self::get('OUTRIGGER_GORIDGE_TCP');
    }

    public static function goridgeUnix(): string
    {
        return self::get('OUTRIGGER_GORIDGE_UNIX');
    }

    public static function ipcUnix(): string
    {
        return self::get('OUTRIGGER_IPC_UNIX');
    }

    public static function ipcTcp(): string
    {
        return self::get('OUTRIGGER_IPC_TCP');
    }
}
