<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Exception;

/** The peer sent bytes that are not a valid reply (wrong frame, seq or type). */
class ProtocolException extends SidecarException
{
}
