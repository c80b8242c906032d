<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Goridge;

/*
 * Goridge v3 RPC frame (RoadRunner RPC; the same bytes spiral/goridge writes):
 *
 *   0  u8   version << 4 | header words (0x15: version 1, 5 words)
 *   1  u8   flags: 0x04 raw, 0x08 JSON, 0x10 msgpack, 0x20 gob, 0x40 error, 0x80 proto
 *   2  u32le payload length (method name + body)
 *   6  u32le CRC-32 (IEEE, PHP crc32()) of bytes 0..5
 *   10 u8   0, 11 u8 0
 *   12 u32le seq, 16 u32le method name length
 *   20 ...  method name, then the body (an error reply's body is plain text)
 */
final class Frame
{
    public const CODEC_RAW = 0x04;
    public const CODEC_JSON = 0x08;
    public const CODEC_MSGPACK = 0x10;
    public const CODEC_GOB = 0x20;
    public const ERROR = 0x40;
    public const CODEC_PROTO = 0x80;

    public const FIXED_HEADER = 12;

    public function __construct(
        public readonly int $flags,
        public readonly int $seq,
        public readonly string $method,
        public readonly string $body,
    ) {
    }

    public static function encode(int $seq, string $method, int $flags, string $body): string
    {
        $payload = $method . $body;
        $head = pack('CCV', 0x15, $flags, strlen($payload));
        return $head . pack('V', crc32($head)) . "\x00\x00" . pack('VV', $seq & 0xFFFFFFFF, strlen($method)) . $payload;
    }

    /**
     * Parses the fixed 12 bytes.
     *
     * @return array{optionBytes: int, payloadLength: int, flags: int}
     * @throws \UnexpectedValueException on a CRC mismatch
     */
    public static function parseHeader(string $head): array
    {
        $h = unpack('Cb0/Cflags/Vlen/Vcrc', $head);
        if (crc32(substr($head, 0, 6)) !== $h['crc']) {
            throw new \UnexpectedValueException('frame header CRC mismatch');
        }
        $words = $h['b0'] & 0x0F;
        return ['optionBytes' => max(0, $words - 3) * 4, 'payloadLength' => $h['len'], 'flags' => $h['flags']];
    }

    /**
     * Builds the frame from the parsed header, its options and payload.
     *
     * @throws \UnexpectedValueException when the options are not [seq, method length]
     */
    public static function fromParts(int $flags, string $options, string $payload): self
    {
        if (strlen($options) !== 8) {
            throw new \UnexpectedValueException(sprintf('frame carries %d options, an RPC reply has 2', intdiv(strlen($options), 4)));
        }
        ['seq' => $seq, 'mlen' => $methodLength] = unpack('Vseq/Vmlen', $options);
        if ($methodLength > strlen($payload)) {
            throw new \UnexpectedValueException("method length $methodLength exceeds the payload");
        }
        return new self($flags, $seq, substr($payload, 0, $methodLength), (string) substr($payload, $methodLength));
    }

    public function isError(): bool
    {
        return ($this->flags & self::ERROR) !== 0;
    }
}
