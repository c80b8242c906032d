<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Exception;

/** Every connection of the pool is busy and the pool is at its size limit. */
class PoolExhaustedException extends ConnectionException
{
}
