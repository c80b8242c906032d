<?php

declare(strict_types=1);

// PSR-4 autoloader for use without Composer (Packagist unreachable, or a
// vendored copy): require this file, then use Outrigger\Sidecar\... classes.
spl_autoload_register(static function (string $class): void {
    $prefix = 'Outrigger\\Sidecar\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $relative = substr($class, strlen($prefix));
    $base = str_starts_with($relative, 'Tests\\') ? __DIR__ . '/tests/' : __DIR__ . '/src/';
    if (str_starts_with($relative, 'Tests\\')) {
        $relative = substr($relative, strlen('Tests\\'));
    }
    $file = $base . str_replace('\\', '/', $relative) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
