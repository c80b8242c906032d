<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\Exception\ServiceException;
use PHPUnit\Framework\TestCase;

/** Goridge error texts taken apart: `CODE: message`, then an optional `data: <JSON>` line. */
final class ServiceExceptionTest extends TestCase
{
    public function testCodeMessageAndDataLine(): void
    {
        $e = ServiceException::fromGoridgeText("KAFKA_UNKNOWN_PARTITION: partition 7 of topic orders does not exist\ndata: {\"topic\":\"orders\",\"partition\":7}", 'App.Kafka');
        self::assertSame('KAFKA_UNKNOWN_PARTITION', $e->getErrorCode());
        self::assertSame(['topic' => 'orders', 'partition' => 7], $e->getData());
        self::assertSame('KAFKA_UNKNOWN_PARTITION: partition 7 of topic orders does not exist', $e->getErrorText());
        self::assertSame('App.Kafka: KAFKA_UNKNOWN_PARTITION: partition 7 of topic orders does not exist', $e->getMessage());
    }

    public function testTextsWithoutCodeOrData(): void
    {
        $go = ServiceException::fromGoridgeText("rpc: can't find method App.Nope", 'App.Nope');
        self::assertNull($go->getErrorCode());
        self::assertNull($go->getData());
        self::assertSame("rpc: can't find method App.Nope", $go->getErrorText());
        $bare = ServiceException::fromGoridgeText("kafka: broker unavailable\ndata: [1,2]", 'App.Fail');
        self::assertNull($bare->getErrorCode());
        self::assertSame([1, 2], $bare->getData());
        self::assertSame('kafka: broker unavailable', $bare->getErrorText());
    }

    public function testAMessageHoldingADataLineIsNotTakenForData(): void
    {
        // The server appends `data: null` when the message itself contains "\ndata: ".
        $e = ServiceException::fromGoridgeText("INVALID_PARAMS: row\ndata: {\"forged\":true}\ndata: null", 'X.Y');
        self::assertSame('INVALID_PARAMS', $e->getErrorCode());
        self::assertNull($e->getData());
        self::assertSame("INVALID_PARAMS: row\ndata: {\"forged\":true}", $e->getErrorText());
        // A foreign server's text whose last data line is not JSON is all message.
        $foreign = ServiceException::fromGoridgeText("SOME_CODE: a\ndata: not json", 'X.Y');
        self::assertSame('SOME_CODE', $foreign->getErrorCode());
        self::assertNull($foreign->getData());
        self::assertSame("SOME_CODE: a\ndata: not json", $foreign->getErrorText());
    }
}
