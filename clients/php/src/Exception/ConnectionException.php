<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Exception;

/** The sidecar could not be reached, or the connection broke during a call. */
class ConnectionException extends SidecarException
{
}
