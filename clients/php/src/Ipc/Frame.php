<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Ipc;

/*
 * Frame of the binary IPC protocol:
 *
 *   0 u16be version (0x0100 v1.0, 0x0101 v1.1)   2 u8 type   3 u32be payload length   7 payload (JSON)
 *
 * Types: 0x01 sync request / response, 0x02 heartbeat (answered with 0x02),
 * 0x03 error, 0x04 async request, 0x05 async response.
 * Request:  {"id", "method", "params"}; success: {"id", "result"};
 * failure:  {"id", "error": {"code", "message", "data"?}} as type 0x03.
 */
final class Frame
{
    public const V1_0 = 0x0100;
    public const V1_1 = 0x0101;

    public const SYNC = 0x01;
    public const HEARTBEAT = 0x02;
    public const ERROR = 0x03;
    public const ASYNC_REQUEST = 0x04;
    public const ASYNC_RESPONSE = 0x05;

    public const HEADER = 7;

    public function __construct(
        public readonly int $version,
        public readonly int $type,
        public readonly string $payload,
    ) {
    }

    public static function encode(int $type, string $payload, int $version = self::V1_1): string
    {
        return pack('nCN', $version, $type, strlen($payload)) . $payload;
    }

    /** @return array{version: int, type: int, length: int} */
    public static function parseHeader(string $header): array
    {
        /** @var array{version: int, type: int, length: int} */
        return unpack('nversion/Ctype/Nlength', $header);
    }

    /** The decoded JSON payload (empty payload: empty array). */
    public function json(): array
    {
        if ($this->payload === '') {
            return [];
        }
        $v = json_decode($this->payload, true, 512, JSON_THROW_ON_ERROR);
        return is_array($v) ? $v : ['result' => $v];
    }
}
