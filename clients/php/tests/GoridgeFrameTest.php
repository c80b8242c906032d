<?php

declare(strict_types=1);

namespace Outrigger\Sidecar\Tests;

use Outrigger\Sidecar\Goridge\Frame;
use PHPUnit\Framework\TestCase;

/** Our PHP frame against the bytes captured from the real spiral/goridge PHP client and Go server. */
final class GoridgeFrameTest extends TestCase
{
    /** @return array<string, array{0: array<string, mixed>}> */
    public static function vectors(): array
    {
        $file = __DIR__ . '/../../../test/fixtures/goridge-vectors.json';
        $all = json_decode((string) file_get_contents($file), true, 512, JSON_THROW_ON_ERROR)['vectors'];
        $out = [];
        foreach ($all as $v) {
            $out[$v['name']] = [$v];
        }
        return $out;
    }

    /** @return array<string, array{0: array<string, mixed>}> */
    public static function phpRequests(): array
    {
        return array_filter(self::vectors(), static fn (array $v) => str_starts_with($v[0]['name'], 'php-') && $v[0]['direction'] === 'client->server');
    }

    /** @return array<string, array{0: array<string, mixed>}> */
    public static function replies(): array
    {
        return array_filter(self::vectors(), static fn (array $v) => $v[0]['direction'] === 'server->client' && ($v[0]['rpc'] ?? null) !== null && !str_contains($v[0]['name'], 'bad-crc'));
    }

    /** @dataProvider phpRequests */
    public function testEncodesWhatSpiralGoridgeSends(array $v): void
    {
        $rpc = $v['rpc'];
        $bytes = Frame::encode($rpc['seq'], $rpc['method'], hexdec($v['header']['flags']), (string) hex2bin($rpc['body_hex']));
        self::assertSame($v['hex'], bin2hex($bytes));
    }

    /** @dataProvider replies */
    public function testDecodesCapturedReplies(array $v): void
    {
        $raw = (string) hex2bin($v['hex']);
        $h = Frame::parseHeader(substr($raw, 0, 12));
        $frame = Frame::fromParts($h['flags'], substr($raw, 12, $h['optionBytes']), substr($raw, 12 + $h['optionBytes']));
        self::assertSame($v['rpc']['seq'], $frame->seq);
        self::assertSame($v['rpc']['method'], $frame->method);
        self::assertSame($v['rpc']['body_hex'], bin2hex($frame->body));
        self::assertSame((hexdec($v['header']['flags']) & 0x40) !== 0, $frame->isError());
    }

    public function testRefusesBadCrcAndWrongOptionCount(): void
    {
        $vectors = self::vectors();
        $crc = (string) hex2bin($vectors['fake-bad-crc-reply-accepted'][0]['hex']);
        try {
            Frame::parseHeader(substr($crc, 0, 12));
            self::fail('a zeroed CRC must be refused');
        } catch (\UnexpectedValueException $e) {
            self::assertStringContainsString('CRC', $e->getMessage());
        }
        $this->expectException(\UnexpectedValueException::class);
        Frame::fromParts(0x08, '', 'x');
    }
}
