<?php

declare(strict_types=1);

namespace Outrigger\Sidecar;

/**
 * Many Kafka records of one topic per call (an Outrigger extension: App.Kafka `produce` with
 * `produce_messages`). A separate interface, so the Hi Framework's BridgeInterface stays exactly as it was and
 * classes that implement it elsewhere keep working; Bridge and NullBridge implement both.
 */
interface BatchProducerInterface
{
    /**
     * Produces every record of $messages to $topic in one call. Each entry is a string (the value) or an array
     * ['value' => string, 'key' => ?string, 'headers' => array<string, string>, 'partition' => ?int, 'timestamp' => ?int].
     * Async ($sync false): true once every record is queued in the sidecar (all or none).
     * Sync: true once the broker acknowledged every record; otherwise a ServiceException whose message names the
     * records that were not acknowledged (code KAFKA_BATCH_PARTIAL when some others were written).
     *
     * @param list<string|array<string, mixed>> $messages
     */
    public function produceMessages(string $connection, string $topic, array $messages, bool $sync = false): bool;
}
