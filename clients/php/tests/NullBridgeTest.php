<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\BatchProducerInterface;
use Outrigger\Sidecar\BridgeInterface;
use Outrigger\Sidecar\NullBridge;
use PHPUnit\Framework\TestCase;

final class NullBridgeTest extends TestCase
{
    public function testEveryCallSucceedsWithoutASidecar(): void
    {
        $b = new NullBridge();
        self::assertInstanceOf(BridgeInterface::class, $b);
        self::assertTrue($b->appInit(['application' => ['name' => 'x']]));
        self::assertTrue($b->produceMessage('c', 't', 'v', ['h' => '1'], true));
        self::assertInstanceOf(BatchProducerInterface::class, $b);
        self::assertTrue($b->produceMessages('c', 't', ['v', ['value' => 'w', 'key' => 'k']], true));
        self::assertTrue($b->kafkaConsumeInit('c', ['group_id' => 'g'], ['topics' => ['t']]));
        self::assertSame([], $b->kafkaConsumeReceive('c', 't', 10));
        self::assertTrue($b->kafkaConsumeAck('c', 't'));
        self::assertTrue($b->kafkaConsumeClose('c'));
        self::assertTrue($b->appShutdown());
    }

    public function testHiSidecarAliasesResolveToThisLibrary(): void
    {
        require_once __DIR__ . '/../compat/hi-sidecar-aliases.php';
        self::assertInstanceOf(\Hi\Sidecar\BridgeInterface::class, new \Hi\Sidecar\NullBridge());
        self::assertSame(\Outrigger\Sidecar\Bridge::class, (new \ReflectionClass(\Hi\Sidecar\Bridge::class))->getName());
    }
}
