<?php

declare(strict_types=1);

namespace Outrigger\Sidecar;

/**
 * The Hi Framework sidecar's bridge (Hi\Sidecar\BridgeInterface), method for method.
 * compat/hi-sidecar-aliases.php maps the Hi\Sidecar names onto these classes.
 */
interface BridgeInterface
{
    public function appInit(array $configs): bool;

    public function appShutdown(): bool;

    public function produceMessage(string $connection, string $topic, string $value, array $headers = [], bool $sync = false): bool;

    public function kafkaConsumeInit(string $connection, array $groupOptions, array $consumeOptions): bool;

    public function kafkaConsumeReceive(string $connection, string $topic, int $size = 1): array;

    public function kafkaConsumeAck(string $connection, string $topic): bool;

    public function kafkaConsumeClose(string $connection): bool;
}
