<?php

declare(strict_types=1);

// The bench's PHP endpoint: per HTTP request at most one sync call through the
// PHP bridge, as a PHP-FPM application makes it.
//
//   ?call=none                  no sidecar call (the ceiling of nginx + php-fpm)
//   ?call=echo&to=outrigger     Sys.Echo on Outrigger (the worker hop a Kafka call takes)
//   ?call=echo&to=go            App.Echo on the Go reference server (goridge v3 under net/rpc)
//   ?call=produce&conn=bench    App.Kafka sync produce of one record (conn: a Kafka connection
//                               the daemon's config names: memory driver or the real broker)
//   &keep=1|0                   the bridge keeps its connection across requests, or not
//
// Addresses come from the php-fpm environment: BENCH_OUTRIGGER_GORIDGE, BENCH_GO_GORIDGE.
// Anything but the expected answer is a 500, which the load generator counts.

require __DIR__ . '/../../../clients/php/autoload.php';

use Outrigger\Sidecar\Bridge;
use Outrigger\Sidecar\Goridge\RpcClient;

const PAYLOAD = 'hello from php-fpm';

$call = $_GET['call'] ?? 'none';
if ($call === 'none') {
    echo 'ok';
    return;
}
$keep = ($_GET['keep'] ?? '1') === '1';
try {
    $ok = match ($call) {
        'echo' => ($_GET['to'] ?? 'outrigger') === 'go'
            ? RpcClient::create((string) getenv('BENCH_GO_GORIDGE'), null, 5.0, 0, 1, $keep)->call('App.Echo', PAYLOAD) === PAYLOAD
            : RpcClient::create((string) getenv('BENCH_OUTRIGGER_GORIDGE'), null, 5.0, 0, 1, $keep)->call('Sys.Echo', PAYLOAD) === PAYLOAD,
        'produce' => (new Bridge(['address' => (string) getenv('BENCH_OUTRIGGER_GORIDGE'), 'persistent' => $keep, 'retries' => 0]))
            ->produceMessage((string) ($_GET['conn'] ?? 'bench'), 'php-fpm-bench', '{"id":1}', ['source' => 'php-fpm'], true),
        default => false,
    };
} catch (\Throwable $e) {
    $ok = false;
    error_log('bench call failed: ' . $e->getMessage());
}
if (!$ok) {
    http_response_code(500);
}
echo $ok ? 'ok' : 'failed';
