<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

use Outrigger\Sidecar\Exception\ProtocolException;

/** goridge's default codec. PHP strings must be UTF-8 (JSON cannot carry bytes). */
final class JsonCodec implements Codec
{
    public function flag(): int
    {
        return Frame::CODEC_JSON;
    }

    public function encode(mixed $value): string
    {
        try {
            return json_encode($value, JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION);
        } catch (\JsonException $e) {
            throw new \InvalidArgumentException('cannot encode the call as JSON (' . $e->getMessage() . '); binary strings must be base64-encoded', 0, $e);
        }
    }

    public function decode(string $body): mixed
    {
        if ($body === '') {
            return null;
        }
        try {
            return json_decode($body, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new ProtocolException('reply body is not JSON: ' . $e->getMessage(), 0, $e);
        }
    }
}
