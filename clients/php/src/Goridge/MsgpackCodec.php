<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

use Outrigger\Sidecar\Exception\ProtocolException;

/** msgpack through ext-msgpack (Debian: php-msgpack). */
final class MsgpackCodec implements Codec
{
    public function __construct()
    {
        if (!function_exists('msgpack_pack')) {
            throw new \LogicException('the msgpack codec needs ext-msgpack (apt install php-msgpack / pecl install msgpack)');
        }
    }

    public function flag(): int
    {
        return Frame::CODEC_MSGPACK;
    }

    public function encode(mixed $value): string
    {
        return msgpack_pack($value);
    }

    public function decode(string $body): mixed
    {
        if ($body === '') {
            return null;
        }
        $value = @msgpack_unpack($body);
        if ($value === false && $body !== "\xc2") {
            throw new ProtocolException('reply body is not msgpack');
        }
        return $value;
    }
}
