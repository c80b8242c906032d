<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Exception;

/**
 * No reply within the timeout. The call may still have been carried out (a
 * produce may have reached Kafka), so it is never retried automatically.
 */
class TimeoutException extends ConnectionException
{
}
