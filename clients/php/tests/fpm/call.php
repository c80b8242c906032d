<?php

declare(strict_types=1);

// Served by php-fpm behind nginx in FpmPersistenceTest: one Goridge call per
// HTTP request through the bridge with its default settings (under PHP-FPM the
// connection is kept across requests), answering what the test checks as JSON.
//
//   ?do=echo&v=...&ms=...  Probe.EchoAfter (Sys.Echo without ms), and the kept connection's
//                          local address
//   ?do=blob&n=...         Probe.Blob of n bytes under a small memory_limit: the
//                          request dies of a fatal error in the middle of the reply
//   ?do=send-then-exit     sends Probe.EchoAfter('stale' in 300 ms) on the kept connection,
//                          then exits before the reply, as a request killed mid-call does

require __DIR__ . '/../../autoload.php';

use Outrigger\Sidecar\Goridge\Frame;
use Outrigger\Sidecar\Goridge\RpcClient;

header('Content-Type: application/json');
$rpc = RpcClient::create((string) getenv('OUTRIGGER_GORIDGE_TCP'));

/** The local address of the connection the worker keeps, and whether it carried calls before this request. */
$kept = static function () use ($rpc): array {
    [$c, $reused] = $rpc->pool()->acquire(microtime(true) + 1.0);
    $local = stream_socket_get_name($c->stream->resource(), false);
    $rpc->pool()->release($c);
    return ['local' => $local, 'reused' => $reused];
};

switch ($_GET['do'] ?? 'echo') {
    case 'echo':
        $before = $kept();
        $value = (string) ($_GET['v'] ?? '');
        $result = isset($_GET['ms']) ? $rpc->call('Probe.EchoAfter', ['ms' => (int) $_GET['ms'], 'value' => $value]) : $rpc->call('Sys.Echo', $value);
        echo json_encode(['result' => $result, 'pid' => getmypid(), 'persistent' => $rpc->pool()->persistent] + $before);
        break;
    case 'blob':
        ini_set('memory_limit', '8M');
        $rpc->call('Probe.Blob', (int) $_GET['n']);
        echo json_encode(['unexpected' => 'the reply fit in memory']);
        break;
    case 'send-then-exit':
        [$c] = $rpc->pool()->acquire(microtime(true) + 1.0);
        $c->stream->beginCall();
        $call = json_encode(['ms' => 300, 'value' => 'stale']);
        $c->stream->write(Frame::encode((int) ($_GET['seq'] ?? 1), 'Probe.EchoAfter', Frame::CODEC_JSON, $call), microtime(true) + 1.0);
        echo json_encode(['sent' => stream_socket_get_name($c->stream->resource(), false)]);
        exit;
    default:
        http_response_code(400);
}
