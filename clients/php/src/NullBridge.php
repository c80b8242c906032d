<?php

declare(strict_types=1);

namespace Outrigger\Sidecar;

/**
 * Development stand-in (as the Hi Framework's NullBridge): every call succeeds without a sidecar;
 * produced messages go nowhere and nothing is ever received.
 */
final class NullBridge implements BridgeInterface, BatchProducerInterface
{
    public function appInit(array $configs): bool
    {
        return true;
    }

    public function appShutdown(): bool
    {
        return true;
    }

    public function produceMessage(string $connection, string $topic, string $value, array $headers = [], bool $sync = false, ?string $key = null): bool
    {
        return true;
    }

    public function produceMessages(string $connection, string $topic, array $messages, bool $sync = false): bool
    {
        return true;
    }

    public function kafkaConsumeInit(string $connection, array $groupOptions, array $consumeOptions): bool
    {
        return true;
    }

    public function kafkaConsumeReceive(string $connection, string $topic, int $size = 1): array
    {
        return [];
    }

    public function kafkaConsumeAck(string $connection, string $topic): bool
    {
        return true;
    }

    public function kafkaConsumeClose(string $connection): bool
    {
        return true;
    }
}
