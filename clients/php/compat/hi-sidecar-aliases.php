<?php

declare(strict_types=1);

// Lets code written against the Hi Framework's Hi\Sidecar classes run on this
// library unchanged: require it once (after autoload.php or Composer's
// autoloader). Names the application already defines are left alone.
foreach ([
    'Hi\\Sidecar\\BridgeInterface' => Outrigger\Sidecar\BridgeInterface::class,
    'Hi\\Sidecar\\Bridge' => Outrigger\Sidecar\Bridge::class,
    'Hi\\Sidecar\\NullBridge' => Outrigger\Sidecar\NullBridge::class,
] as $alias => $original) {
    if (!class_exists($alias, false) && !interface_exists($alias, false)) {
        class_alias($original, $alias);
    }
}
