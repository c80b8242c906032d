<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

/** How call arguments and results are encoded in a Goridge frame body. */
interface Codec
{
    /** The frame flag announcing this codec. */
    public function flag(): int;

    public function encode(mixed $value): string;

    public function decode(string $body): mixed;
}
