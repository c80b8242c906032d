<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Exception;

/** Base of every exception this library throws. */
class SidecarException extends \RuntimeException
{
}
